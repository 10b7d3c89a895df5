/// Why a request-target was refused with 400 instead of being normalised.
public enum PathError: Error, Sendable, Equatable {
    /// Not origin-form: absolute-form (`http://x/y`), `*`, or anything not starting with `/`.
    case notOriginForm
    /// A `#` anywhere in the target.
    case fragment
    /// `%2F` in the path: it would change the segments the upstream sees.
    case encodedSlash
    /// `%5C` in the path: some backends read it as a separator.
    case encodedBackslash
    /// A raw `\` in the path.
    case rawBackslash
    /// `%00` in the path: C string functions would cut the path there.
    case nul
    /// A space, control character, DEL or non-ASCII byte anywhere in the target.
    case controlOrNonASCII
    /// `%` not followed by two hex digits.
    case invalidEscape
    /// `..` would climb above `/`.
    case aboveRoot
    /// `..;x`, `.;x` or `..%3B`: Tomcat-style servers drop the parameter and see a dot-segment.
    case dotSegmentWithParameters
    /// An empty target.
    case empty
}

/// The result of normalising a request-target: what is authorised and sent upstream.
public struct NormalizedTarget: Sendable, Equatable {
    /// Normalised path, always starting with `/`.
    public var path: String
    /// Query after the first `?`, byte-for-byte as received, without the `?`; nil when there was no `?`.
    public var query: String?

    /// Creates a target from its parts.
    public init(path: String, query: String? = nil) {
        self.path = path
        self.query = query
    }

    /// Origin-form target for the upstream request line: the path plus `?query` when there is one.
    public var target: String {
        guard let query else { return path }
        return path + "?" + query
    }
}

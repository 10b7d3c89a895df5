import Yams

/// The `routes:` list (SPEC section 2).
extension ConfigBuilder {
    static let routeKeys = ["path", "exact", "name", "methods", "public", "roles", "roles_all"]

    mutating func routes(_ field: ConfigField) -> [Route] {
        guard case .sequence(let sequence) = field.value else {
            reader.fail(field.value, "routes must be a list of routes, got \(reader.kind(field.value))")
            return []
        }
        var result: [Route] = []
        for (index, item) in sequence.enumerated() {
            if let route = route(item, path: "routes[\(index)]") { result.append(route) }
        }
        return result
    }

    private mutating func route(_ node: Node, path: String) -> Route? {
        let errorsBefore = reader.errors.count
        guard let fields = reader.fields(of: node, path: path, allowed: Self.routeKeys) else { return nil }
        var match: RouteMatch?
        var name: String?
        var methods: Set<String>?
        var isPublic = false
        var roles: [String] = []
        var rolesAll: [String] = []
        // An unknown key (say `role:`) already failed the route; "needs roles" on top of it would be noise.
        var ok = reader.errors.count == errorsBefore
        for item in fields {
            switch item.key {
            case "path": if let value = routePath(item) { match = .prefix(value) } else { ok = false }
            case "exact": if let value = routePath(item) { match = .exact(value) } else { ok = false }
            case "name":
                name = routeName(item)
                ok = ok && name != nil
            case "methods":
                methods = routeMethods(item)
                ok = ok && methods != nil
            case "public":
                if let value = reader.bool(item) { isPublic = value } else { ok = false }
            case "roles":
                if let value = roleList(item) { roles = value } else { ok = false }
            default:
                if let value = roleList(item) { rolesAll = value } else { ok = false }
            }
        }

        let keys = Set(fields.map(\.key))
        let label = path
        if keys.contains("path") && keys.contains("exact") {
            reader.fail(node, "\(label) has both path and exact; use one")
            ok = false
        } else if !keys.contains("path") && !keys.contains("exact") {
            reader.fail(node, "\(label) needs path (a prefix) or exact (one path)")
            ok = false
        }
        let hasRoleKeys = keys.contains("roles") || keys.contains("roles_all")
        if isPublic && hasRoleKeys {
            reader.fail(
                node,
                "\(label) is public and also lists roles; a public route needs no credential, "
                    + "so drop one or the other")
            ok = false
        } else if !isPublic && ok && roles.isEmpty && rolesAll.isEmpty {
            reader.fail(node, "\(label): protected route needs roles or roles_all (or public: true)")
            ok = false
        }
        guard ok, let match else { return nil }
        return Route(
            match: match, name: name, methods: methods, isPublic: isPublic, roles: roles, rolesAll: rolesAll,
            line: node.mark?.line ?? 0)
    }

    /// A path that starts with `/` and is already normalised: requests are matched after normalisation,
    /// so a route written any other way could never match (or would match something unexpected).
    private mutating func routePath(_ field: ConfigField) -> String? {
        guard let text = reader.string(field) else { return nil }
        guard text.hasPrefix("/") else {
            reader.fail(field.value, "\(field.path) must start with /, got '\(text)'")
            return nil
        }
        switch PathNormalizer.normalize(target: text) {
        case .failure(let error):
            reader.fail(field.value, "\(field.path) '\(text)' is not a valid path (\(error))")
            return nil
        case .success(let normalized):
            guard normalized.query == nil else {
                reader.fail(field.value, "\(field.path) must not contain '?': routes match the path only")
                return nil
            }
            guard normalized.path == text else {
                reader.fail(
                    field.value,
                    "\(field.path) '\(text)' is not in normal form; write '\(normalized.path)' "
                        + "(requests are matched after normalisation)")
                return nil
            }
            return text
        }
    }

    private mutating func routeName(_ field: ConfigField) -> String? {
        guard let text = reader.string(field) else { return nil }
        // C0, DEL and C1 (U+0080-U+009F) alike: the name is a metrics label and an access-log field.
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && !(0x7f...0x9f).contains($0.value) })
        else {
            reader.fail(field.value, "\(field.path) must be non-empty text without control characters")
            return nil
        }
        return text
    }

    private mutating func routeMethods(_ field: ConfigField) -> Set<String>? {
        guard let items = reader.strings(field) else { return nil }
        guard !items.isEmpty else {
            reader.fail(field.value, "\(field.path) is empty and would match nothing; remove it to allow every method")
            return nil
        }
        var result: Set<String> = []
        var ok = true
        for (text, node) in items {
            if HTTPToken.isValid(text) {
                result.insert(text.uppercased())
            } else {
                reader.fail(node, "\(field.path): '\(text)' is not an HTTP method")
                ok = false
            }
        }
        return ok ? result : nil
    }

    private mutating func roleList(_ field: ConfigField) -> [String]? {
        guard let items = reader.strings(field) else { return nil }
        var result: [String] = []
        var ok = true
        for (text, node) in items {
            if RoleName.isValid(text) {
                if !result.contains(text) { result.append(text) }
            } else {
                reader.fail(
                    node, "\(field.path): '\(text)' is not a valid role name (1-63 characters of a-z 0-9 . _ : -)")
                ok = false
            }
        }
        return ok ? result : nil
    }
}

import Yams

/// Single top-level values: addresses, paths, names.
extension ConfigBuilder {
    /// One address or a list of them (a list only when `single` is false).
    mutating func listenAddresses(_ field: ConfigField, single: Bool = false) -> [ListenAddress]? {
        let items: [(text: String, node: Node)]
        if single {
            guard let text = reader.string(field) else { return nil }
            items = [(text, field.value)]
        } else {
            guard let list = reader.strings(field, allowSingle: true) else { return nil }
            items = list
        }
        if items.isEmpty {
            reader.fail(field.value, "\(field.path) needs at least one address")
            return nil
        }
        var addresses: [ListenAddress] = []
        for (text, node) in items {
            switch ListenAddress.parse(text) {
            case .success(let address):
                addresses.append(address)
                listeners.append((address, node))
            case .failure(let error):
                reader.fail(node, "\(field.path): \(error.message)")
            }
        }
        return addresses.count == items.count ? addresses : nil
    }

    mutating func upstreamTarget(_ field: ConfigField) -> UpstreamTarget? {
        guard let text = reader.string(field) else { return nil }
        switch UpstreamTarget.parse(text) {
        case .success(let target): return target
        case .failure(let error):
            reader.fail(field.value, "upstream: \(error.message)")
            return nil
        }
    }

    /// `auto` (nil) or 1...256.
    mutating func workers(_ field: ConfigField) -> Int? {
        if case .scalar(let scalar) = field.value, field.value.tagName == .str, scalar.string == "auto" {
            return nil
        }
        guard case .scalar = field.value, field.value.tagName == .int else {
            reader.fail(field.value, "workers must be auto or a number 1...256, got \(reader.kind(field.value))")
            return nil
        }
        return reader.int(field, in: 1...256)
    }

    /// A non-empty path, made absolute against the config's folder.
    mutating func filePath(_ field: ConfigField) -> String? {
        guard let text = reader.string(field) else { return nil }
        guard !text.isEmpty else {
            reader.fail(field.value, "\(field.path) must not be empty")
            return nil
        }
        guard !text.utf8.contains(0) else {
            reader.fail(field.value, "\(field.path) must not contain a NUL character")
            return nil
        }
        return FilePath.absolute(text, relativeTo: directory)
    }

    /// Empty or null means "not configured".
    mutating func stateFile(_ field: ConfigField) -> String? {
        if case .scalar(let scalar) = field.value, field.value.tagName == .null || scalar.string.isEmpty {
            return nil
        }
        return filePath(field)
    }

    /// Printable ASCII without `"` or `\`: it is quoted into `WWW-Authenticate`.
    mutating func realm(_ field: ConfigField) -> String? {
        guard let text = reader.string(field) else { return nil }
        let valid =
            !text.isEmpty
            && text.utf8.allSatisfy { byte in
                byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
            }
        guard valid else {
            reader.fail(
                field.value,
                "realm must be non-empty printable ASCII without \" or \\ (it is quoted into "
                    + "WWW-Authenticate)")
            return nil
        }
        return text
    }

    /// A list of CIDRs or plain addresses; null is an empty list.
    mutating func trustedProxies(_ field: ConfigField) -> [CIDR] {
        if case .scalar = field.value, field.value.tagName == .null { return [] }
        guard let items = reader.strings(field) else { return [] }
        var result: [CIDR] = []
        for (text, node) in items {
            if let cidr = CIDR(text) {
                result.append(cidr)
            } else {
                reader.fail(node, "trusted_proxies: '\(text)' is not an IP address or CIDR like 10.0.0.0/8")
            }
        }
        return result
    }

    /// A header name that tollgate does not manage itself (identity and api-key headers).
    mutating func headerName(_ field: ConfigField) -> String? {
        guard let text = reader.string(field) else { return nil }
        guard HTTPToken.isValid(text) else {
            reader.fail(field.value, "\(field.path): '\(text)' is not a valid header name")
            return nil
        }
        guard !HeaderName.managed.contains(HeaderName.key(text)) else {
            reader.fail(
                field.value, "\(field.path): '\(text)' is a header tollgate manages itself; choose another name")
            return nil
        }
        return text
    }
}

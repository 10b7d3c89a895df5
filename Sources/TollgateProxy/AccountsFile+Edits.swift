import Foundation
import TollgateCore

/// The changes the `account` and `token` commands make; each throws `AccountsEditError` and changes nothing
/// when refused.
extension AccountsFile {
    /// Adds an account (and with `createGroup` its own group); refuses a bad or taken name, an undefined group or
    /// a bad role.
    public mutating func addAccount(_ new: NewAccount) throws {
        guard AccountName.isValid(new.name) else {
            throw AccountsEditError(
                "'\(new.name)' is not a valid account name (a DNS label: 1-63 characters of a-z 0-9 -, starting and "
                    + "ending with a letter or digit)")
        }
        guard !accounts.contains(where: { $0.name == new.name }) else {
            throw AccountsEditError("account '\(new.name)' already exists")
        }
        let defined = Set(groups.map(\.name))
        var memberOf: [String] = []
        for group in new.groups where !memberOf.contains(group) {
            guard RoleName.isValid(group) else {
                throw AccountsEditError("'\(group)' is not a valid group name (1-63 characters of a-z 0-9 . _ : -)")
            }
            guard defined.contains(group) || (new.createGroup && group == new.name) else {
                throw AccountsEditError(
                    "group '\(group)' is not defined in the file (under groups:); define it first, or use "
                        + "--create-group for a group named after the account")
            }
            memberOf.append(group)
        }
        if new.createGroup {
            guard !defined.contains(new.name) else {
                throw AccountsEditError("group '\(new.name)' already exists; join it with --group \(new.name)")
            }
            groups.append(GroupRecord(name: new.name))
            if !memberOf.contains(new.name) { memberOf.append(new.name) }
        }
        var roles: [String] = []
        for role in new.roles where !roles.contains(role) {
            guard RoleName.isValid(role) else {
                throw AccountsEditError("'\(role)' is not a valid role name (1-63 characters of a-z 0-9 . _ : -)")
            }
            roles.append(role)
        }
        accounts.append(
            AccountRecord(name: new.name, description: new.description, groups: memberOf, roles: roles))
    }

    /// Removes an account and its tokens (groups stay).
    public mutating func removeAccount(named name: String) throws {
        let index = try accountIndex(name)
        accounts.remove(at: index)
    }

    /// Disables (`true`) or enables an account; doing it twice is not an error.
    public mutating func setDisabled(_ disabled: Bool, account name: String) throws {
        let index = try accountIndex(name)
        accounts[index].disabled = disabled
    }

    /// Adds a fresh token (256 random bits) to an account, storing only its `sha256:` hash; `created` is `now` in
    /// whole seconds.
    public mutating func issueToken(_ new: NewToken, now: Date) throws -> IssuedToken {
        let index = try accountIndex(new.account)
        let id = new.id ?? Self.nextTokenID(accounts[index].tokens)
        guard AccountName.isValidTokenID(id) else {
            throw AccountsEditError("'\(id)' is not a valid token id (1-63 characters of a-z 0-9 -)")
        }
        guard !accounts[index].tokens.contains(where: { $0.id == id }) else {
            throw AccountsEditError("account '\(new.account)' already has a token '\(id)'; revoke or rotate it")
        }
        if let extend = new.extend, !(extend > 0) { throw AccountsEditError("--extend must be longer than 0") }
        let created = Self.wholeSeconds(now)
        let expires: Date?
        switch new.expiry {
        case .never: expires = nil
        case .after(let seconds): expires = created.addingTimeInterval(seconds)
        case .at(let date): expires = date
        }
        if let expires, expires <= now {
            throw AccountsEditError("the token would expire at \(RFC3339.format(expires)), which is not in the future")
        }
        let token = Secret(Array(TokenGenerator.generate().utf8))
        accounts[index].tokens.append(
            TokenRecord(
                id: id, hash: .sha256(ofSecret: token.bytes), intent: new.intent, created: created, expires: expires,
                extend: new.extend))
        return IssuedToken(account: new.account, id: id, token: token, expires: expires)
    }

    /// Deletes a token.
    public mutating func revokeToken(account name: String, id: String) throws {
        let index = try accountIndex(name)
        guard let position = accounts[index].tokens.firstIndex(where: { $0.id == id }) else {
            throw AccountsEditError("account '\(name)' has no token '\(id)'")
        }
        accounts[index].tokens.remove(at: position)
    }

    /// Gives a token a new secret and a new expiry of the same lifetime from now (`never` stays `never`); id,
    /// intent and `extend` are kept.
    public mutating func rotateToken(account name: String, id: String, now: Date) throws -> IssuedToken {
        let index = try accountIndex(name)
        guard let position = accounts[index].tokens.firstIndex(where: { $0.id == id }) else {
            throw AccountsEditError("account '\(name)' has no token '\(id)'")
        }
        return rotate(account: index, token: position, now: now)
    }

    /// Rotates every token that expires within `window` seconds of `now`, expired ones included, in file order.
    public mutating func rotateTokens(expiringWithin window: Double, now: Date) -> [IssuedToken] {
        var rotated: [IssuedToken] = []
        let limit = now.addingTimeInterval(window)
        for index in accounts.indices {
            for position in accounts[index].tokens.indices {
                guard let expires = accounts[index].tokens[position].expires, expires <= limit else { continue }
                rotated.append(rotate(account: index, token: position, now: now))
            }
        }
        return rotated
    }

    private mutating func rotate(account index: Int, token position: Int, now: Date) -> IssuedToken {
        var record = accounts[index].tokens[position]
        let created = Self.wholeSeconds(now)
        if let expires = record.expires {
            var lifetime = TokenExpiry.defaultLifetime
            if let old = record.created, expires > old { lifetime = expires.timeIntervalSince(old) }
            record.expires = created.addingTimeInterval(lifetime)
        }
        let token = Secret(Array(TokenGenerator.generate().utf8))
        record.hash = .sha256(ofSecret: token.bytes)
        record.created = created
        accounts[index].tokens[position] = record
        return IssuedToken(account: accounts[index].name, id: record.id, token: token, expires: record.expires)
    }

    private func accountIndex(_ name: String) throws -> Int {
        guard let index = accounts.firstIndex(where: { $0.name == name }) else {
            throw AccountsEditError("no account '\(name)'")
        }
        return index
    }

    /// `t<N>`, one more than the highest `t<N>` in use.
    private static func nextTokenID(_ tokens: [TokenRecord]) -> String {
        let highest =
            tokens.compactMap { token -> Int? in
                guard token.id.hasPrefix("t"), token.id.count > 1 else { return nil }
                let digits = token.id.dropFirst()
                guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
                return Int(digits)
            }.max() ?? 0
        return "t\(highest + 1)"
    }

    private static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}

/// Whom staff may open a ticket for (`ticket.open`'s `requester`): a requester's name — a token's
/// name, which she signs in with — or an e-mail address, for someone who has no token and reaches the
/// desk by mail.
///
/// Only the form is checked here — by the hub's `decide` and by clients before they send (as
/// ``DedupKey``'s); whether the name is a requester's and the address's domain one the operator allows
/// is the hub's check at its edge, which has the token table and the configuration (Protocol/README.md,
/// `ticket.open`).
public enum RequesterName: Sendable, Hashable {
    /// A token's name (``isAgentID(_:)``).
    case name(String)
    /// An address, `local@domain`, the domain in lower case.
    case address(local: String, domain: String)

    /// The longest address taken: RFC 5321's limit on a path, less its angle brackets.
    public static let maxAddressLength = 254

    /// Reads `text` as a name or an address; `nil` when it is neither.
    public init?(parsing text: String) {
        if Self.isAgentID(text) {
            self = .name(text)
            return
        }
        guard text.utf8.count <= Self.maxAddressLength else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isLocalPart(parts[0]), let domain = Self.domain(String(parts[1])) else {
            return nil
        }
        self = .address(local: String(parts[0]), domain: domain)
    }

    /// The ticket's `requester`: the name, or the address with its domain in lower case.
    public var id: String {
        switch self {
        case .name(let name): name
        case .address(let local, let domain): "\(local)@\(domain)"
        }
    }

    /// Whether `name` has an agent id's form (a token's name): 1 to 64 ASCII letters, digits, `.`, `_`
    /// or `-`, the first a letter or digit. SwarmCore's `Limits.isValidAgent` is this rule.
    public static func isAgentID(_ name: String) -> Bool {
        guard (1...64).contains(name.count), let first = name.first, first.isASCII, first.isLetter || first.isNumber
        else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// The refusal of a `requester` that is neither.
    public static let formProblem =
        "field 'requester' must be a requester's name (letters, digits, '.', '_' or '-') or an e-mail address "
        + "like rita@example.com"

    /// `text` as a mail domain in lower case — at least two labels of ASCII letters, digits and `-`
    /// (not first or last), each at most 63 characters, 253 in all — or `nil`. Also the form of
    /// `--mail-domains`' entries.
    public static func domain(_ text: String) -> String? {
        let domain = text.lowercased()
        guard (1...253).contains(domain.utf8.count) else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                label.utf8.allSatisfy({ isLowercaseLetterOrDigit($0) || $0 == UInt8(ascii: "-") })
            else { return nil }
        }
        return domain
    }

    /// RFC 5322's dot-atom: 1 to 64 of letters, digits and ``localSymbols``, dots only between them.
    /// Quoted local parts (`"rita smith"@…`) are not taken: nobody types them on a phone.
    private static func isLocalPart(_ local: Substring) -> Bool {
        guard (1...64).contains(local.utf8.count), local.first != ".", local.last != ".", !local.contains("..")
        else { return false }
        return local.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || localSymbols.utf8.contains(byte)
        }
    }

    /// The characters a local part may hold besides letters and digits.
    private static let localSymbols = "!#$%&'*+/=?^_`{|}~.-"

    private static func isLowercaseLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

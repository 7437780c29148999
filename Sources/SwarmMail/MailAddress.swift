/// One mailbox: an address and the display name that came with it.
package struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address, `user@example.com`; lowercased when read from a message.
    package var address: String
    /// The display name, decoded to UTF-8 (`Jürgen Müller`); nil when the header gave none.
    package var name: String?

    /// Creates a mailbox.
    package init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// `Name <address>`, or the address alone; for logs and test messages.
    package var description: String {
        guard let name, !name.isEmpty else { return address }
        return "\(name) <\(address)>"
    }
}

/// Who the hub is in mail: the domain of its Message-IDs and the address it writes from.
///
/// Parsing needs it to recognise the hub's own mail coming back (a loop), composing to mark what the
/// hub sends (`X-Swarm-Hub`, `X-Loop`).
package struct HubMailIdentity: Sendable, Hashable {
    /// The domain after the `@` of every Message-ID the hub makes, `it.example`.
    package var domain: String
    /// The help desk's own address, `help@it.example`; what `X-Loop` names.
    package var address: String

    /// Creates an identity; both are compared without regard to case.
    package init(domain: String, address: String) {
        self.domain = domain.lowercased()
        self.address = address.lowercased()
    }
}

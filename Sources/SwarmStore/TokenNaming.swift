import SwarmCore
public import SwarmProtocol

/// Which names a new token may take, next to every name the token table has held (active and
/// revoked): checked inside the transaction that creates tokens, by every store.
///
/// Two rules keep a name one person, as everything the log says of it is read by name:
/// - **No lookalikes.** Names that differ only by case or trailing punctuation (`Alice` beside
///   `alice`, `bob.` beside `bob`, `SWARMD` beside the hub's own `swarmd`) are refused: in a
///   terminal, a mail or a chat they read as the same person.
/// - **A name keeps its audience.** A name that was staff (agent, expert, lead, admin) can never
///   become a requester's, nor the other way round, even after its tokens are revoked: the log's
///   events about that name (the swarms it joined, its internal notes) would otherwise reach the
///   new holder as her own history. Staff roles may change among themselves (revoke, then create).
public enum TokenNaming {
    /// The form in which two names are compared: lower case, without trailing `.`, `_` or `-`.
    public static func folded(_ name: String) -> String {
        var name = Substring(name.lowercased())
        while let last = name.last, last == "." || last == "_" || last == "-" { name = name.dropLast() }
        return String(name)
    }

    /// Why a token named `name` with `role` cannot be created beside the names and roles in
    /// `existing` (every token ever issued) and `earlier` (names created in the same call before
    /// it), or `nil` when it can.
    public static func problem(
        _ name: String, role: Role, existing: [(name: String, role: Role)], earlier: [String] = []
    ) -> String? {
        let folded = folded(name)
        if folded == SwarmState.systemActor {
            return "'\(name)' is too like '\(SwarmState.systemActor)', the name of the hub's own events"
        }
        for other in existing {
            if other.name == name {
                if (other.role == .requester) != (role == .requester) {
                    let was = other.role == .requester ? "a requester's" : "staff's (\(other.role.rawValue))"
                    return "'\(name)' was \(was) name; a name keeps its audience (staff or requester) for good, "
                        + "so its history never reaches someone else: choose another name"
                }
            } else if Self.folded(other.name) == folded {
                return "'\(name)' is too like the existing name '\(other.name)' (names must differ by more than "
                    + "case or trailing punctuation)"
            }
        }
        for other in earlier where other != name && Self.folded(other) == folded {
            return "'\(name)' is too like '\(other)', also in this request"
        }
        return nil
    }
}

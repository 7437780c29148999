import SwarmCore
import SwarmProtocol
import SwarmStore

/// The checks of `ticket.open`'s `requester` that need more than the command: the token table (is the
/// name a requester's?) and the operator's mail domains (`--mail-domains`). Made at the edge, by the
/// session and the REST ticket route alike, before the command reaches the ledger — as `owner.add`'s
/// named agent is — so `decide` and a replay of the log never read the token table.
///
/// A requester's own `requester` is `Policy`'s concern (herself means nothing, anyone else is
/// refused), and the name's form `decide`'s (``RequesterName``); this runs for staff only.
struct RequesterCheck: Sendable {
    /// The token table: a name is a requester's when its tokens (active or revoked) are requesters'.
    let tokens: any TokenStore
    /// The domains (lower case) whose addresses may be a ticket's requester; none by default.
    let mailDomains: [String]

    /// Why staff `principal` may not open `open` for its `requester`, or `nil` when it may (or names
    /// nobody, or leaves the form to `decide`).
    func problem(_ open: TicketOpen, by principal: Principal) async -> HubError? {
        guard principal.role.opensForRequesters, let named = open.requester,
            let requester = RequesterName(parsing: named)
        else { return nil }
        switch requester {
        case .name(let name):
            let role: Role?
            do {
                role = try await tokens.role(ofName: name)
            } catch {
                return HubError(.internal, "could not read the token table; retry")
            }
            guard let role else {
                return HubError(
                    .notFound,
                    "no requester \(name): name a requester's token, or an e-mail address from an allowed domain")
            }
            guard role == .requester else {
                return HubError(
                    .invalidField,
                    "field 'requester': \(name) is staff (\(role.rawValue)), and a name keeps its audience; "
                        + "open the ticket for a requester")
            }
            return nil
        case .address(_, let domain):
            guard !mailDomains.contains(domain) else { return nil }
            let allowed =
                mailDomains.isEmpty
                ? "this hub takes no requesters by address (swarmd serve --mail-domains is empty)"
                : "this hub takes requesters by address from \(mailDomains.joined(separator: ", ")) only"
            return HubError(.forbidden, "field 'requester': \(domain) is not an allowed mail domain; \(allowed)")
        }
    }
}

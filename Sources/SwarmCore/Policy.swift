public import SwarmProtocol

/// Who may do what. See Protocol/README.md, "Roles".
///
/// Requesters open tickets and see only their own: on their own tickets they may comment, close a
/// resolved ticket and reopen it; anyone else's ticket is `not_found` to them, so ids do not leak.
/// Agents, experts, leads and admins work every ticket. Once a ticket has owners, only its owners
/// (or a lead or admin) change who owns it.
public enum Policy {
    /// Throws when `principal` may not issue `command` in `state`.
    public static func authorize(_ principal: Principal, _ command: Command, in state: SwarmState) throws(DomainError) {
        if command.isSystem || principal == .system {
            guard command.isSystem, principal == .system else {
                throw .forbidden(
                    "only the hub itself issues \(command.isSystem ? "this command" : "commands as \(principal.id)")")
            }
            return
        }
        if principal.role == .mailgate {
            // The mail gate opens a ticket for a mail's sender, and does nothing else.
            guard case .client(.ticketOpen(let open)) = command, open.requester != nil, open.via == .email else {
                throw .forbidden("a mailgate token only delivers mail (POST /v1/mail)")
            }
            return
        }
        let ticket = command.ticket.flatMap { state.tickets[$0] }
        if let id = command.ticket, let ticket, !canRead(principal, ticket) {
            throw .notFound("no ticket \(id)")
        }
        // To a requester a ticket that does not exist and one that is not hers look the same, whatever
        // the command: `not_found` before any question of what her role may do, so ids do not leak.
        if principal.role == .requester, let id = command.ticket, ticket == nil {
            throw .notFound("no ticket \(id)")
        }
        if principal.role == .requester {
            switch command {
            case .client(.commentAdd(let comment)) where comment.visibility == .internal:
                throw .forbidden("requesters' comments are public replies; leave out 'visibility' or send public")
            case .client(.ticketOpen(let open)) where open.requester.map({ $0 != principal.id }) ?? false:
                throw .forbidden("requesters open tickets for themselves only; leave out 'requester'")
            case .client(.ticketOpen(let open))
            where open.via.map({ $0 != SwarmState.defaultVia(of: open, by: principal) }) ?? false:
                // How her own ticket came in is not hers to say: the portal (her client), or
                // monitoring for an alert's key (a monitor holding a requester's token).
                throw .forbidden(
                    "a requester's own ticket comes in through the portal (monitoring with a dedupKey); leave out 'via'"
                )
            case .attach(let add) where add.visibility == .internal:
                throw .forbidden(
                    "requesters' files are for the swarm and for them: leave out 'visibility' or send public")
            case .attach:
                return
            case .client(.ticketOpen), .client(.commentAdd), .client(.kbApply), .client(.alertResolve):
                // A recovery finds its ticket by key; decide treats one the sender may not see as unknown.
                return
            case .client(.ticketStatus(let change)) where change.status == .closed || change.status == .open:
                if let ticket, !ticket.status.isDone {
                    throw .forbidden("requesters may only close or reopen a resolved ticket")
                }
                return
            default:
                throw .forbidden(
                    "requesters may open, comment on, close, reopen and resolve with an article their own tickets only")
            }
        }
        switch command {
        case .client(.ownerAdd), .client(.ownerRemove):
            guard let ticket, !ticket.owners.isEmpty, !principal.role.readsEverything else { return }
            guard ticket.owners.contains(principal.id) else {
                throw .forbidden("only an owner of \(ticket.id) (or a lead) may change its owners")
            }
        case .client(.skillsSet(let set))
        where set.agent != nil && set.agent != principal.id
            && !principal.role.readsEverything:
            throw .forbidden("only leads and admins may set another agent's skills")
        case .client(.notifySet(let set))
        where set.agent != nil && set.agent != principal.id
            && !principal.role.readsEverything:
            throw .forbidden("only leads and admins may set another agent's notices")
        case .client(.tiersSet):
            guard principal.role.readsEverything else { throw .forbidden("only leads and admins set agents' tiers") }
        case .client(.helpRequest(let help)):
            let id = help.ticket
            guard let ticket, !ticket.members.contains(principal.id), !principal.role.readsEverything else { return }
            throw .forbidden("only members of \(id)'s swarm (or a lead) may ask for help on it")
        default:
            return
        }
    }

    /// Whether `principal` may see `ticket`.
    public static func canRead(_ principal: Principal, _ ticket: Ticket) -> Bool {
        principal.role != .requester || ticket.requester == principal.id
    }

    /// Throws when `principal` may not subscribe to `channel`.
    public static func authorizeSubscription(
        _ principal: Principal, _ channel: Channel, in state: SwarmState, taxonomy: Taxonomy
    ) throws(DomainError) {
        switch channel {
        case .ticket(let id):
            guard let ticket = state.tickets[id], canRead(principal, ticket) else { throw .notFound("no ticket \(id)") }
        case .queue:
            guard principal.role.worksTickets else { throw .forbidden("requesters may not watch queues") }
        case .agent(let id):
            guard id == principal.id || principal.role.readsEverything else {
                throw .forbidden("only leads and admins may watch another agent's channel")
            }
        case .skill(let pattern):
            guard principal.role.worksTickets else { throw .forbidden("requesters may not watch skill channels") }
            let tag = pattern.hasSuffix(".*") ? String(pattern.dropLast(2)) : pattern
            guard taxonomy.tags[tag] != nil else {
                throw .invalid("unknown skill tag '\(tag)' in channel 'skill:\(pattern)' (see GET /v1/skills)")
            }
        case .dispatch, .backlog:
            guard principal.role.worksTickets else { throw .forbidden("requesters may not watch \(channel)") }
        case .kb:
            guard principal.role.worksTickets else { throw .forbidden("requesters may not watch the kb channel") }
        case .agents, .sla, .metrics:
            guard principal.role.readsEverything else {
                throw .forbidden("only leads and admins may watch the \(channel) channel")
            }
        }
    }
}

internal import Foundation
import SwarmProtocol

/// The classic tier pipeline beside swarming: tiers, hand-offs, time-based escalation, and the
/// hybrid switch to a swarm. See docs/tiers.md.
extension SwarmState {
    func decideEscalation(
        _ request: TicketEscalate, by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        let id = request.ticket
        let ticket = try workableTicket(id)
        guard ticket.mode != .swarm, let current = ticket.tier else {
            throw .conflict(
                "\(id) is swarmed (queue '\(ticket.queue)'), not tiered; ask for more people with help.request or ticket.invite"
            )
        }
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Limits.reasonLength.contains(reason.count) else {
            throw .invalid(
                "field 'reason' must have \(Limits.reasonLength.lowerBound) to \(Limits.reasonLength.upperBound) characters"
            )
        }
        try Limits.checkText(reason, field: "reason", length: Limits.reasonLength)
        if let tier = request.tier, !Tier.escalation.contains(tier) {
            throw .invalid("field 'tier': there is no tier \(tier); tickets escalate to tiers 1 to 4")
        }
        if ticket.mode == .hybrid && current == 1 && (request.tier != nil || request.vendor != nil) {
            throw .invalid(
                "\(id)'s queue is hybrid: escalating from tier 1 forms a swarm; leave out 'tier' and 'vendor'")
        }
        let target = request.tier ?? current + 1
        guard current < Tier.vendor else { throw .conflict("\(id) is at tier 4 (vendor), the last one") }
        guard target > current else {
            throw .conflict("\(id) is already at tier \(current); escalation goes up, to a tier above \(current)")
        }
        let vendor = request.vendor?.trimmingCharacters(in: .whitespacesAndNewlines)
        if target == Tier.vendor {
            guard let vendor, Limits.vendorLength.contains(vendor.count) else {
                throw .invalid(
                    "field 'vendor' is required for tier 4 (1 to \(Limits.vendorLength.upperBound) characters)")
            }
            if let ref = request.vendorRef?.trimmingCharacters(in: .whitespacesAndNewlines),
                !Limits.vendorLength.contains(ref.count)
            {
                throw .invalid("field 'vendorRef' must have 1 to \(Limits.vendorLength.upperBound) characters")
            }
        } else if request.vendor != nil || request.vendorRef != nil {
            throw .invalid("fields 'vendor' and 'vendorRef' are for a hand-off to tier 4 only")
        }
        return escalation(
            of: ticket, to: target, auto: false, reason: reason, vendor: vendor,
            vendorRef: request.vendorRef?.trimmingCharacters(in: .whitespacesAndNewlines),
            by: principal, at: now, settings: settings)
    }

    /// The events of one escalation: in a hybrid queue at tier 1 a swarm forms (with invitations);
    /// otherwise the ticket goes to `target` with the best available agent of that tier.
    func escalation(
        of ticket: Ticket, to target: Int, auto: Bool, reason: String, vendor: String? = nil, vendorRef: String? = nil,
        by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) -> [SwarmEvent] {
        let current = ticket.tier ?? 1
        if ticket.mode == .hybrid && current == 1 {
            let formed = SwarmEvent(
                ticket: ticket.id, actor: principal.id, at: now,
                payload: .ticketEscalated(Escalation(from: current, to: nil, auto: auto, reason: reason, swarm: true)))
            var swarming = ticket
            swarming.mode = .swarm
            let count = settings.invitationCount(queue: ticket.queue, priority: ticket.priority)
            return [formed]
                + invitations(for: swarming, count: count, origin: .opened, by: .system, at: now, settings: settings)
        }
        var excluding: Set<String> = [ticket.requester]
        if let assignee = ticket.assignee { excluding.insert(assignee) }
        let next = assignee(at: target, excluding: excluding)
        return [
            SwarmEvent(
                ticket: ticket.id, actor: principal.id, at: now,
                payload: .ticketEscalated(
                    Escalation(
                        from: current, to: target, auto: auto, reason: reason, assignee: next, vendor: vendor,
                        vendorRef: vendorRef)))
        ]
    }

    /// The agent to assign at `tier`: one who works at it and is not offline, with the fewest
    /// assigned tickets, then alphabetically.
    func assignee(at tier: Int, excluding: Set<String>) -> String? {
        var best: AgentProfile?
        for profile in agents.values where profile.tiers.contains(tier) && profile.presence != .offline {
            guard !excluding.contains(profile.id) else { continue }
            if let current = best,
                (current.assigned.count, current.id) <= (profile.assigned.count, profile.id)
            {
                continue
            }
            best = profile
        }
        return best?.id
    }

    func decideTiers(of agent: String, _ tiers: [Int], by principal: Principal, at now: Timestamp) throws(DomainError)
        -> [SwarmEvent]
    {
        guard Limits.isValidAgent(agent), agent != Self.systemActor else {
            throw .invalid("field 'agent' is not a valid agent id")
        }
        for tier in tiers where !Tier.escalation.contains(tier) {
            throw .invalid("field 'tiers': there is no tier \(tier); agents work at tiers 1 to 4")
        }
        let sorted = Array(Set(tiers)).sorted()
        guard (agents[agent]?.tiers ?? []) != sorted else { return [] }
        return [
            SwarmEvent(ticket: nil, actor: principal.id, at: now, payload: .tiersChanged(agent: agent, tiers: sorted))
        ]
    }

    /// When a tiered ticket's time at its tier runs out: `tierSince` plus the queue's limit for its
    /// tier and priority; none for swarms, tier 4, finished tickets and tickets waiting on the
    /// requester.
    static func escalationDeadline(of ticket: Ticket, settings: SwarmSettings) -> Timestamp? {
        guard ticket.mode != .swarm, let tier = ticket.tier, let since = ticket.tierSince,
            SwarmSettings.timedTiers.contains(tier),
            !ticket.status.isDone, ticket.status != .waiting,
            let limit = settings.tierLimit(queue: ticket.queue, tier: tier, priority: ticket.priority)
        else { return nil }
        return since.adding(milliseconds: limit)
    }

    /// The automatic escalation of a ticket whose time at its tier ran out at `now`.
    func timedEscalation(of ticket: Ticket, at now: Timestamp, settings: SwarmSettings) -> [SwarmEvent] {
        guard let deadline = Self.escalationDeadline(of: ticket, settings: settings), deadline <= now,
            let tier = ticket.tier, let since = ticket.tierSince
        else { return [] }
        let limit = DurationText.describe(milliseconds: deadline.milliseconds - since.milliseconds)
        return escalation(
            of: ticket, to: tier + 1, auto: true, reason: "no resolution within \(limit) at tier \(tier)", by: .system,
            at: now, settings: settings)
    }
}

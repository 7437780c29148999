public import SwarmProtocol

extension SwarmState {
    /// The status changes that follow the work a command did (docs/tiers.md, "State that follows the
    /// work"), appended to its events; the hub (`swarmd`) is their actor, so they are neither progress
    /// nor a first response. Nothing is added to a command that changes the status itself.
    ///
    /// - Staff's join (or an owner added, who joins) or public reply on a `new` or `open` ticket moves
    ///   it to `in_progress`, where the ticket's queue follows the work (`follow_work`, default on).
    ///   Nobody is made its owner by this (setting it in progress by hand does that): a look at a
    ///   ticket must not bind anyone to it.
    /// - A public reply with `waiting: true` moves the ticket to `waiting` (through `in_progress` from
    ///   `new` or `open`): the SLA clock pauses as it does for a waiting ticket. Always, being asked for.
    /// - The requester's comment on a `waiting` ticket moves it back to `in_progress`, where the queue
    ///   follows the work.
    func followingWork(
        _ events: [SwarmEvent], of command: Command, by principal: Principal, at now: Timestamp,
        settings: SwarmSettings
    ) -> [SwarmEvent] {
        guard case .client(let client) = command, let id = command.ticket, let ticket = tickets[id],
            !events.isEmpty, !ticket.status.isDone
        else { return events }
        if events.contains(where: { if case .statusChanged = $0.payload { true } else { false } }) { return events }
        let follows = settings.policy(of: ticket.queue).followWork
        let byRequester = principal.id == ticket.requester || principal.role == .requester
        let isStaff = !byRequester && principal.role != .mailgate && principal.id != Self.systemActor
        var status = ticket.status
        var added: [SwarmEvent] = []
        func move(to next: TicketStatus) {
            added.append(
                SwarmEvent(
                    ticket: id, actor: Self.systemActor, at: now,
                    payload: .statusChanged(from: status, to: next, resolution: nil)))
            status = next
        }
        let joined = events.contains { if case .swarmJoined = $0.payload { true } else { false } }
        let publicReply = events.contains {
            if case .commentAdded(let comment) = $0.payload { comment.visibility == .public } else { false }
        }
        var asks = false
        if case .commentAdd(let comment) = client, comment.waiting == true { asks = true }
        if isStaff, (follows && (joined || publicReply)) || asks, status == .new || status == .open {
            move(to: .inProgress)
        }
        if asks, status != .waiting { move(to: .waiting) }
        if byRequester, follows, status == .waiting,
            events.contains(where: { if case .commentAdded = $0.payload { true } else { false } })
        {
            move(to: .inProgress)
        }
        return events + added
    }
}

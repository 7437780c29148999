import Foundation
import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol

extension SimulationEngine {
    // MARK: Happenings

    mutating func arrive(_ index: Int) {
        let item = workload[index]
        nextArrival = index + 1
        if nextArrival < workload.count {
            queue.push(.arrival(nextArrival), at: workload[nextArrival].arrival.milliseconds)
        }
        openingEffort = item.effortMinutes
        let open = TicketOpen(
            title: item.id.isEmpty ? "Ticket \(index + 1)" : String(item.id.prefix(Limits.titleLength.upperBound)),
            description: "",
            category: item.category, urgency: item.urgency, impact: item.impact,
            skills: item.skills.isEmpty ? nil : item.skills, queue: item.queue)
        perform(.client(.ticketOpen(open)), by: requester)
    }

    mutating func shiftChanges(_ agent: String) {
        guard let person = people[agent] else { return }
        let on = person.member.shift.isOn(at: now)
        if !on && person.onShift, let back = person.member.shift.nextChange(after: now),
            back.milliseconds - clock > Self.handBackAfter
        {
            for id in person.active where state.tickets[id]?.tier == nil { handBack(id, by: agent) }
        }
        if on != person.onShift {
            let affected = prepare(agents: [agent])
            people[agent]?.onShift = on
            perform(on ? .connected(agent: agent) : .disconnected(agent: agent), by: .system)
            settle(affected, agents: [agent])
            if on {
                syncPresence(agent)
                queue.push(.consider(agent), at: clock)
            }
        }
        if let change = person.member.shift.nextChange(after: now) {
            queue.push(.shift(agent), at: change.milliseconds)
        }
    }

    mutating func answer(_ agent: String, _ id: String) {
        guard let person = people[agent], person.onShift, let ticket = state.tickets[id], !ticket.status.isDone,
            ticket.invitations.contains(where: { $0.agent == agent && $0.state == .pending })
        else { return }
        let accept = person.active.count < person.capacity && !person.active.contains(id)
        perform(.client(.inviteAnswer(InviteAnswer(ticket: id, accept: accept))), by: person.principal)
        if accept { start(agent, on: id) }
    }

    /// A person with room takes on more work: tickets assigned to them, then unassigned tickets
    /// at their tiers, then dispatch tickets (swarms nobody works) they have a skill for, or that
    /// waited past the pick-up time.
    mutating func consider(_ agent: String) {
        while let before = room(agent) {
            guard let id = nextPick(for: agent) else { return }
            start(agent, on: id)
            guard (people[agent]?.active.count ?? 0) > before else { return }
        }
    }

    /// How many tickets the person works now, if they are at work and have room for another.
    func room(_ agent: String) -> Int? {
        guard let person = people[agent], person.onShift, person.active.count < person.capacity else { return nil }
        return person.active.count
    }

    mutating func nextPick(for agent: String) -> String? {
        // Take the person's list out while reading it, so that dropping entries does not copy it.
        guard var queue = people[agent]?.queue, let active = people[agent]?.active,
            let member = people[agent]?.member
        else { return nil }
        people[agent]?.queue = WaitHeap()
        let state = self.state
        let works = self.works
        let assigned = queue.first { id in
            guard let tier = state.tickets[id]?.tier, let work = works[id], !work.parked else { return false }
            let theirs = work.passedTo.map { $0 == agent } ?? (state.tickets[id]?.assignee == agent)
            return theirs && tier < Tier.vendor && !active.contains(id)
        }
        people[agent]?.queue = queue
        if let assigned { return assigned }
        var best: (key: Int64, id: String)?
        for tier in member.tiers {
            guard
                let id = pools[tier]?.first(where: { works[$0]?.poolTier == tier && works[$0]?.workers.isEmpty == true }
                ),
                let work = works[id]
            else { continue }
            let key = WaitHeap.key(rank: work.rank, number: work.number)
            if best.map({ key < $0.key }) ?? true { best = (key, id) }
        }
        if let best { return best.id }
        let pickup = options.pickupMinutes * Double(Self.minute)
        let clock = self.clock
        var levels: [String: Bool] = [:]
        let skills = member.skills
        return orphans.first(
            among: 32,
            where: { works[$0]?.orphanSince != nil && !active.contains($0) },
            fits: { id in
                guard let work = works[id] else { return false }
                if work.required.isEmpty || Double(clock - (work.orphanSince ?? clock)) >= pickup { return true }
                return work.required.contains { tag in
                    if let known = levels[tag] { return known }
                    let known = skillLevel(skills, for: tag) > 0
                    levels[tag] = known
                    return known
                }
            })
    }

    /// Offers a waiting ticket to the best person free now: at its tier, the one with the least
    /// work; for a swarm, the best skilled (anyone, if `anyone`).
    mutating func dispatch(_ id: String, anyone: Bool) {
        guard let work = works[id] else { return }
        var chosen: String?
        if let tier = work.poolTier {
            var least = Int.max
            for agent in order {
                guard let person = people[agent], person.onShift, person.active.count < person.capacity,
                    person.member.tiers.contains(tier), person.active.count < least
                else { continue }
                least = person.active.count
                chosen = agent
            }
        } else if work.orphanSince != nil {
            var bestLevel = anyone || work.required.isEmpty ? -1 : 0
            for agent in order {
                guard let person = people[agent], person.onShift, person.active.count < person.capacity else {
                    continue
                }
                let level = work.required.map { self.level(of: agent, for: $0) }.max() ?? 0
                if level > bestLevel {
                    bestLevel = level
                    chosen = agent
                }
            }
        }
        if let chosen { start(chosen, on: id) }
    }

    /// (Calibrated runs) The colleague of `agent` at `tier` a ticket is passed to: the one at work
    /// with the fewest tickets, else anyone of the tier, by id.
    func colleague(of agent: String, at tier: Int) -> String? {
        var best: (agent: String, key: (Int, Int))?
        for other in order where other != agent {
            guard let person = people[other], person.member.tiers.contains(tier) else { continue }
            let key = (person.onShift ? 0 : 1, person.active.count)
            if best.map({ key < $0.key }) ?? true { best = (other, key) }
        }
        return best?.agent
    }

    /// (Calibrated runs) `agent` passes the ticket to a colleague of its tier: the colleague becomes
    /// an owner and `agent` stops being one (an owner change), and the colleague takes it after the
    /// queue wait, re-reading the case first.
    mutating func pass(_ id: String, by agent: String) {
        guard people[agent] != nil, let tier = state.tickets[id]?.tier, let other = colleague(of: agent, at: tier)
        else {
            stop(agent, on: id)
            return
        }
        works[id]?.passes += 1
        works[id]?.passedTo = other
        works[id]?.handedOff = true
        stop(agent, on: id)
        // Passing a ticket on within a team is a reassignment, which the hub lets an owner or a lead
        // make; the team's lead does it here (the one who passes it need not own it).
        if state.tickets[id]?.owners.contains(agent) != true {
            perform(.client(.ownerAdd(OwnerChange(ticket: id, agent: agent))), by: lead)
        }
        if state.tickets[id]?.owners.contains(other) != true {
            perform(.client(.ownerAdd(OwnerChange(ticket: id, agent: other))), by: lead)
        }
        perform(.client(.ownerRemove(OwnerChange(ticket: id, agent: agent))), by: lead)
        assign(id, to: other)
    }

    /// Everyone still at work goes offline, as at the end of a run, and shifts stop being followed.
    mutating func goQuiet() {
        guard !quiet else { return }
        quiet = true
        for agent in order where people[agent]?.onShift == true {
            people[agent]?.onShift = false
            perform(.disconnected(agent: agent), by: .system)
        }
    }

    /// (Calibrated runs) The wait on others is over: whoever worked the ticket last resolves it.
    mutating func release(_ id: String) {
        guard let work = works[id], work.parked, let ticket = state.tickets[id], !ticket.status.isDone else { return }
        let resolver = work.lastWorker.flatMap { people[$0]?.principal } ?? lead
        perform(
            .client(
                .ticketStatus(StatusChange(ticket: id, status: .resolved, resolution: "Resolved in the simulation"))),
            by: resolver)
        finish(id)
    }

    mutating func vendorDone(_ id: String) {
        guard let work = works[id], work.atVendor, let ticket = state.tickets[id], !ticket.status.isDone else { return }
        let resolver =
            ticket.assignee.flatMap { people[$0]?.principal } ?? work.lastWorker.flatMap { people[$0]?.principal }
            ?? lead
        perform(
            .client(.ticketStatus(StatusChange(ticket: id, status: .resolved, resolution: "Fixed by the vendor"))),
            by: resolver)
        finish(id)
    }

    mutating func askForHelp(_ agent: String, _ id: String) {
        guard let work = works[id], work.workers.contains(where: { $0.agent == agent }),
            let ticket = state.tickets[id], ticket.tier == nil, let person = people[agent]
        else { return }
        let missing = uncovered(work)
        guard !missing.isEmpty else { return }
        perform(.client(.helpRequest(HelpRequest(ticket: id, skills: missing))), by: person.principal)
    }

    /// Required skills no worker of the ticket holds at the resolve level.
    func uncovered(_ work: Work) -> [String] {
        work.required.indices.filter { index in
            !work.workers.contains { $0.levels[index] >= work.needed }
        }.map { work.required[$0] }
    }

}

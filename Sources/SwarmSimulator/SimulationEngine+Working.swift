import Foundation
import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol

extension SimulationEngine {
    // MARK: Working

    mutating func assign(_ id: String, to agent: String) {
        guard people[agent] != nil, let tier = state.tickets[id]?.tier, tier < Tier.vendor else { return }
        guard let work = works[id] else { return }
        guard let calibration = options.calibration else {
            given(id, to: agent)
            return
        }
        // The queue wait of the history: the ticket reaches the top of their list later.
        works[id]?.givings += 1
        let draw = Calibration.normal(seed: options.seed, ticket: work.number, slot: 32 + UInt64(min(work.givings, 15)))
        let wait = Calibration.minutes(
            median: calibration.pickupMedian, sigma: calibration.pickupSigma, normal: draw)
        queue.push(.assigned(agent: agent, ticket: id), at: workingInstant(of: agent, after: Self.minutes(wait)))
    }

    /// The instant at which `agent` has been at work for `span` milliseconds from now: a queue wait
    /// runs in its holder's working hours (an incident that arrives at night waits for the morning,
    /// then for its turn).
    func workingInstant(of agent: String, after span: Int64) -> Int64 {
        guard let shift = people[agent]?.member.shift, !shift.isAlways else { return clock + span }
        var at = clock
        var left = span
        // A window at least every eight days (a shift has at least one day), so this ends.
        while left > 0 {
            guard let change = shift.nextChange(after: Timestamp(milliseconds: at))?.milliseconds else {
                return at + left
            }
            if shift.isOn(at: Timestamp(milliseconds: at)) {
                if change - at >= left { return at + left }
                left -= change - at
            }
            at = change
        }
        return at
    }

    /// The ticket is on `agent`'s list: they take it when they have room.
    mutating func given(_ id: String, to agent: String) {
        guard let work = works[id], people[agent] != nil else { return }
        people[agent]?.queue.insert(id, rank: work.rank, number: work.number)
        queue.push(.consider(agent), at: clock)
    }

    /// `agent` starts on ticket `id`: a comment (their first response), taking it on (`in_progress`,
    /// which makes them its owner) if nobody owns it yet, or joining its swarm.
    mutating func start(_ agent: String, on id: String) {
        guard let person = people[agent], person.onShift, person.active.count < person.capacity,
            !person.active.contains(id), let work = works[id], !work.atVendor, !work.parked,
            let ticket = state.tickets[id], !ticket.status.isDone
        else { return }
        perform(.client(.commentAdd(CommentAdd(ticket: id, body: "Looking into it."))), by: person.principal)
        if ticket.owners.isEmpty && (ticket.status == .new || ticket.status == .open) {
            perform(
                .client(.ticketStatus(StatusChange(ticket: id, status: .inProgress))),
                by: person.principal)
        } else if ticket.owners.isEmpty && ticket.status == .inProgress {
            // Joining (accepting an invitation) already moved it in progress (the queue follows the
            // work): taking it on is owning it.
            perform(.client(.ownerAdd(OwnerChange(ticket: id, agent: agent))), by: person.principal)
        } else if !ticket.members.contains(agent) {
            perform(.client(.swarmJoin(TicketRef(ticket: id))), by: person.principal)
        }
        let levels = work.required.map { level(of: agent, for: $0) }
        let mean = levels.isEmpty ? SimulationOptions.genericLevel : levels.reduce(0, +) / levels.count
        // The help desk (tier 1) takes on what its level allows (the level the ticket's effort
        // needs); technicians and specialists above it what they have some skill for, at the pace
        // their level gives. Anyone else diagnoses and hands the ticket up. The top tier works
        // whatever reaches it, except a ticket needing a skill nobody on the staff has at all:
        // that one goes to the vendor.
        var capable =
            levels.allSatisfy { $0 >= (ticket.tier == 1 ? work.needed : 1) }
            || (ticket.tier == topTier && !work.needsVendor)
        var passing = false
        if let calibration = options.calibration, let tier = ticket.tier {
            // A calibrated run: the history's shares decide, from the ticket's own draws.
            let start = works[id]?.starts ?? 0
            works[id]?.starts = start + 1
            let share = tier == 1 ? calibration.tierOneEscalates : tier == 2 ? calibration.tierTwoEscalates : 0
            capable =
                tier == topTier
                || Calibration.unit(seed: options.seed, ticket: work.number, slot: UInt64(tier)) >= share
            let passChance = tier == 1 ? calibration.tierOnePasses : calibration.higherPasses
            passing =
                work.passes < Calibration.maxPasses && colleague(of: agent, at: tier) != nil
                && Calibration.unit(seed: options.seed, ticket: work.number, slot: 8 + UInt64(min(start, 15)))
                    < passChance
        }
        let diagnosing = ticket.tier != nil && (!capable || passing)
        let overhead =
            (work.handedOff ? options.handoffMinutes : 0) + (diagnosing ? options.diagnosisMinutes : 0)
        let affected = prepare(agents: [agent], tickets: [id])
        people[agent]?.active.append(id)
        works[id]?.workers.append(
            Worker(
                agent: agent, levels: levels, factor: SimulationOptions.skillFactors[min(5, max(0, mean))],
                overhead: overhead, diagnosing: diagnosing, passing: passing))
        settle(affected, agents: [agent])
        touched.append(id)
        syncPresence(agent)
        if ticket.tier == nil, let current = works[id], !current.helpAsked, !uncovered(current).isEmpty {
            works[id]?.helpAsked = true
            queue.push(.help(agent: agent, ticket: id), at: clock + Self.minutes(options.diagnosisMinutes))
        }
    }

    /// `agent` stops working on `id` and logs the minutes they gave it.
    mutating func stop(_ agent: String, on id: String) {
        guard let index = works[id]?.workers.firstIndex(where: { $0.agent == agent }) else { return }
        let affected = prepare(agents: [agent], tickets: [id])
        guard let worker = works[id]?.workers.remove(at: index) else { return }
        people[agent]?.active.removeAll { $0 == id }
        works[id]?.lastWorker = agent
        settle(affected, agents: [agent])
        touched.append(id)
        if let principal = people[agent]?.principal {
            var minutes = Int(worker.spent.rounded())
            while minutes > 0 {
                let entry = min(minutes, Limits.workMinutes.upperBound)
                perform(.client(.workLog(WorkLog(ticket: id, minutes: entry))), by: principal)
                minutes -= entry
            }
        }
        syncPresence(agent)
        queue.push(.consider(agent), at: clock)
    }

    /// Someone leaving for longer than ``handBackAfter`` gives a swarmed ticket back: they log their
    /// work, pass the ownership to another member still working it (or, with none, put the ticket
    /// back to `open`), and leave the swarm; whoever takes it next re-reads the case.
    mutating func handBack(_ id: String, by agent: String) {
        guard let person = people[agent], let ticket = state.tickets[id], !ticket.status.isDone else { return }
        stop(agent, on: id)
        if ticket.owners == [agent] {
            if let other = works[id]?.workers.first?.agent {
                perform(.client(.ownerAdd(OwnerChange(ticket: id, agent: other))), by: person.principal)
            } else if ticket.status == .inProgress {
                perform(
                    .client(.ticketStatus(StatusChange(ticket: id, status: .open))),
                    by: person.principal)
            }
        }
        perform(.client(.swarmLeave(TicketRef(ticket: id))), by: person.principal)
        works[id]?.handedOff = true
    }

    mutating func stopAll(_ id: String) {
        for agent in works[id]?.workers.map(\.agent) ?? [] { stop(agent, on: id) }
    }

    /// The ticket's work, reading or diagnosis may be done: escalate, resolve, or plan the next check.
    mutating func check(_ id: String, version: Int) {
        guard works[id]?.version == version else { return }
        advance(id)
        guard let work = works[id], let ticket = state.tickets[id] else { return }
        if let diagnosed = work.workers.first(where: { $0.diagnosing && $0.overhead <= Self.epsilon }) {
            if diagnosed.passing {
                pass(id, by: diagnosed.agent)
            } else {
                escalate(id, work: work, ticket: ticket, by: diagnosed)
            }
        } else if work.remaining <= Self.epsilon, let resolver = work.workers.first(where: { !$0.diagnosing }) {
            if let calibration = options.calibration {
                // The work is over; the history's wait on others follows, with nobody on it.
                let draw = Calibration.normal(seed: options.seed, ticket: work.number, slot: 60)
                let wait = Calibration.minutes(
                    median: calibration.waitMedian, sigma: calibration.waitSigma, normal: draw)
                stopAll(id)
                works[id]?.lastWorker = resolver.agent
                works[id]?.parked = true
                parkedCount += 1
                queue.push(.release(ticket: id), at: clock + Self.minutes(wait))
                return
            }
            stopAll(id)
            if let principal = people[resolver.agent]?.principal {
                perform(
                    .client(
                        .ticketStatus(
                            StatusChange(ticket: id, status: .resolved, resolution: "Resolved in the simulation"))),
                    by: principal)
            }
            finish(id)
        } else {
            schedule(id)
        }
    }

    /// A tier agent who lacks the skills hands the ticket up: to the next tier someone works at
    /// (the vendor if none), or in a hybrid queue's tier 1, to a swarm.
    mutating func escalate(_ id: String, work: Work, ticket: Ticket, by worker: Worker) {
        guard let person = people[worker.agent], let tier = ticket.tier else { return }
        let missing = work.required.indices.filter { worker.levels[$0] < work.needed }.map { work.required[$0] }
        var request = TicketEscalate(
            ticket: id, reason: "Needs \(missing.joined(separator: ", ")) at level \(work.needed) or more.")
        if ticket.mode != .hybrid || tier != 1 {
            let target = ((tier + 1)..<Tier.vendor).first { staffedTiers.contains($0) } ?? Tier.vendor
            request.tier = target
            if target == Tier.vendor {
                request.vendor = "Vendor"
                request.reason = "Nobody here knows \(missing.joined(separator: ", ")); over to the vendor."
            }
        }
        if perform(.client(.ticketEscalate(request)), by: person.principal).isEmpty { stop(worker.agent, on: id) }
    }

    /// The ticket is resolved: forget its work and take it out of the state (nothing decides on a
    /// resolved ticket again, and the timers' scans stay as short as the open tickets).
    mutating func finish(_ id: String) {
        stopAll(id)
        guard let work = works.removeValue(forKey: id) else { return }
        if work.parked { parkedCount -= 1 }
        state.tickets[id] = nil
        summary.resolved += 1
    }

    /// Whether someone on the staff has some skill for a tag, remembered.
    mutating func inHouse(_ tag: String) -> Bool {
        if let known = knownInHouse[tag] { return known }
        let known = staff.contains { skillLevel($0.skills, for: tag) > 0 }
        knownInHouse[tag] = known
        return known
    }

    /// A person's level for a tag, remembered.
    mutating func level(of agent: String, for tag: String) -> Int {
        if let known = people[agent]?.levels[tag] { return known }
        let level = people[agent].map { skillLevel($0.member.skills, for: tag) } ?? 0
        people[agent]?.levels[tag] = level
        return level
    }

    mutating func syncPresence(_ agent: String) {
        guard let person = people[agent], person.onShift else { return }
        let wanted: Presence = person.active.count >= person.capacity ? .busy : .available
        if state.agents[agent]?.presence != wanted {
            perform(.client(.presenceSet(PresenceSet(status: wanted))), by: person.principal)
        }
    }

    /// Puts tickets whose waiting changed on (or off) the dispatch and tier lists, and offers the
    /// new ones to someone free.
    mutating func refreshTouched() {
        var unique: [String] = []
        var seen = Set<String>()
        for id in touched where seen.insert(id).inserted { unique.append(id) }
        deadlines.update(unique, in: state, settings: settings)
        for id in unique {
            guard let work = works[id], let ticket = state.tickets[id] else { continue }

            let idle = work.workers.isEmpty && !work.atVendor && !work.parked && !ticket.status.isDone
            let orphan = idle && ticket.tier == nil && !ticket.invitations.contains { $0.state == .pending }
            if orphan && work.orphanSince == nil {
                works[id]?.orphanSince = clock
                orphans.insert(id, rank: work.rank, number: work.number)
                queue.push(.dispatch(ticket: id, anyone: false), at: clock)
                queue.push(.dispatch(ticket: id, anyone: true), at: clock + Self.minutes(options.pickupMinutes))
            } else if !orphan && work.orphanSince != nil {
                works[id]?.orphanSince = nil
            }
            let tier = idle && ticket.assignee == nil ? ticket.tier.flatMap { $0 < Tier.vendor ? $0 : nil } : nil
            if tier != work.poolTier {
                works[id]?.poolTier = tier
                if let tier {
                    pools[tier, default: WaitHeap()].insert(id, rank: work.rank, number: work.number)
                    queue.push(.dispatch(ticket: id, anyone: false), at: clock)
                }
            }
        }
        touched.removeAll(keepingCapacity: true)
        if options.checkShortcuts, nextDeadline() != state.nextDeadline(settings: settings)?.milliseconds {
            summary.refused += 1
            summary.refusals.append("\(now) the kept next deadline differs from nextDeadline")
        }
    }

}

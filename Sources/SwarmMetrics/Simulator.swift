internal import Foundation
public import SwarmCore
public import SwarmProtocol

/// A discrete-event simulation of a support team working a workload (docs/simulator.md).
///
/// Every change goes through `SwarmState.decide` and `apply`, issued by the principal a live hub
/// would see — the requester opens tickets, agents answer invitations, comment, take tickets on,
/// log their minutes, escalate and resolve as themselves, and the hub's own commands (connections,
/// timers) come from `Principal.system` — so the events are exactly those a hub would log, and the
/// metrics code reads them as it reads a real log. Timers fire by deciding `tick` at the state's
/// `nextDeadline`. Happenings (arrivals, shifts, answers, work finishing) wait in a time-ordered
/// queue; nothing iterates a `Dictionary` or `Set` in an order that matters, so the same inputs and
/// seed give the same events, byte for byte.
public struct Simulator: Sendable {
    public let workload: [WorkloadItem]
    public let staff: [StaffMember]
    public let settings: SwarmSettings
    public let options: SimulationOptions

    public init(workload: [WorkloadItem], staff: [StaffMember], settings: SwarmSettings, options: SimulationOptions) {
        self.workload = workload
        self.staff = staff
        self.settings = settings
        self.options = options
    }

    /// Runs the simulation, handing every event to `sink` in log order as soon as it is decided
    /// (nothing is kept, so memory does not grow with the events).
    public func run(_ sink: (SwarmEvent) -> Void) -> SimulationSummary {
        var engine = Engine(workload: workload, staff: staff, settings: settings, options: options)
        return engine.run(sink)
    }

    /// Runs the simulation and returns its events (for tests and small runs).
    public func events() -> (events: [SwarmEvent], summary: SimulationSummary) {
        var events: [SwarmEvent] = []
        let summary = run { events.append($0) }
        return (events, summary)
    }

    /// Checks a workload file's skills against `taxonomy` (``Workload/parse(_:file:)`` checks only
    /// their spelling): every tag the taxonomy does not know, with its line.
    public static func checkSkills(_ text: String, file: String, taxonomy: Taxonomy) throws(InputFileError) {
        guard let rows = try? CSVRows.read(text), let header = rows.first,
            let column = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == "skills" })
        else { return }
        var problems: [LineProblem] = []
        for (offset, row) in rows.dropFirst().enumerated() where column < row.count {
            for tag in row[column].split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
            where !tag.isEmpty && taxonomy.resolve(tag) == nil {
                problems.append(LineProblem(line: offset + 2, message: "skill '\(tag)' is not a tag of the taxonomy"))
            }
        }
        guard problems.isEmpty else { throw InputFileError(file: file, problems: problems) }
    }

    /// Whether every skill of a workload is a tag (or synonym) of `taxonomy`; the names of those that are not.
    public static func unknownSkills(in workload: [WorkloadItem], taxonomy: Taxonomy) -> [String] {
        var unknown: [String] = []
        for item in workload {
            for tag in item.skills where taxonomy.resolve(tag) == nil && !unknown.contains(tag) { unknown.append(tag) }
        }
        return unknown
    }
}

// MARK: - The engine

/// Something that happens at a simulated instant.
private enum Happening {
    /// The workload item with this index arrives.
    case arrival(Int)
    /// The person's shift starts or ends.
    case shift(String)
    /// An invited person answers.
    case answer(agent: String, ticket: String)
    /// A ticket's work may have finished, or someone's reading or diagnosis; stale if the version moved on.
    case check(ticket: String, version: Int)
    /// A person with free capacity looks for work.
    case consider(String)
    /// A ticket nobody works is offered to someone free (`anyone`: whatever their skills).
    case dispatch(ticket: String, anyone: Bool)
    /// A swarm member asks for the skills the swarm lacks.
    case help(agent: String, ticket: String)
    /// The vendor is done with a ticket.
    case vendor(ticket: String)
    /// A ticket given to someone at a tier reaches the top of their list (calibrated runs: after the queue wait).
    case assigned(agent: String, ticket: String)
    /// The wait on others after the work is over (calibrated runs): the ticket can be resolved.
    case release(ticket: String)
}

/// A person of the staff, as the simulation tracks them.
private struct Person {
    var member: StaffMember
    var principal: Principal
    var capacity: Int
    var onShift = false
    /// Tickets being worked, in the order started.
    var active: [String] = []
    /// Tickets assigned to them at a tier and not started yet (entries may be stale: checked when read).
    var queue = WaitHeap()
    /// Their level for each tag asked about so far (``skillLevel(_:for:)``).
    var levels: [String: Int] = [:]

    /// The share of the person's attention each active ticket gets: their time is split evenly.
    var share: Double { onShift && !active.isEmpty ? 1 / Double(active.count) : 0 }
}

/// One person's part in a ticket's work.
private struct Worker {
    var agent: String
    /// Their level for each of the ticket's required skills.
    var levels: [Int]
    var factor: Double
    /// Minutes of their attention still to go to reading or diagnosing before their work counts.
    var overhead: Double
    /// They lack the skills and will escalate once the overhead is spent.
    var diagnosing: Bool
    /// (Calibrated runs) they pass the ticket to a colleague of the tier once the overhead is spent.
    var passing = false
    /// Minutes of attention given so far (logged with `work.log` when they stop).
    var spent: Double = 0
}

/// The work on one open ticket.
private struct Work {
    var number: Int
    var rank: Int
    var required: [String]
    /// The level each required skill needs (by the effort).
    var needed: Int
    /// Minutes of work left, as a fully skilled person would need them.
    var remaining: Double
    var workers: [Worker] = []
    var lastUpdate: Int64
    /// It needs a skill nobody on the staff has at all: the top tier hands it to the vendor.
    var needsVendor: Bool
    var version = 0
    /// The case changed hands: whoever starts on it now reads it first.
    var handedOff = false
    var helpAsked = false
    var atVendor = false
    var lastWorker: String?
    /// Since when nobody works it and nobody is invited (swarms), if so.
    var orphanSince: Int64?
    var poolTier: Int?
    /// (Calibrated runs) how many times someone started it at a tier, was given it, and passed it on.
    var starts = 0
    var givings = 0
    var passes = 0
    /// The colleague it was passed to, who takes it next (the tier's assignee stays as it was).
    var passedTo: String?
    /// The work is over and it waits on others until released; nobody works it meanwhile.
    var parked = false
}

/// Waiting tickets, most urgent first (priority, then age), in a heap. Entries are not removed
/// when a ticket stops waiting; whoever reads the list drops those that no longer belong.
private struct WaitHeap {
    private var heap = SimulationQueue<String>()

    /// Where a ticket sorts: its priority rank (1–4), then its number.
    static func key(rank: Int, number: Int) -> Int64 { Int64(rank) << 40 | Int64(number) }

    mutating func insert(_ id: String, rank: Int, number: Int) {
        heap.push(id, at: Self.key(rank: rank, number: number))
    }

    /// The first entry `belongs` accepts; those before it are dropped.
    mutating func first(where belongs: (String) -> Bool) -> String? {
        while let (_, id) = heap.first {
            if belongs(id) { return id }
            _ = heap.pop()
        }
        return nil
    }

    /// The first entry among the `limit` most urgent ones that `belongs` keeps and `fits`; those
    /// that do not belong are dropped, the others stay.
    mutating func first(among limit: Int, where belongs: (String) -> Bool, fits: (String) -> Bool) -> String? {
        var looked: [(Int64, String)] = []
        var found: String?
        while looked.count < limit, let (key, id) = heap.pop() {
            guard belongs(id) else { continue }
            looked.append((key, id))
            if fits(id) {
                found = id
                break
            }
        }
        for (key, id) in looked { heap.push(id, at: key) }
        return found
    }
}

private struct Engine {
    let workload: [WorkloadItem]
    let settings: SwarmSettings
    let options: SimulationOptions
    var state = SwarmState()
    var random: SimulationRandom
    var queue = SimulationQueue<Happening>()
    var clock: Int64
    var people: [String: Person] = [:]
    /// Person ids in order, for every scan of the staff.
    let order: [String]
    /// Staff in file order, for the setup.
    let staff: [StaffMember]
    var works: [String: Work] = [:]
    var orphans = WaitHeap()
    var pools: [Int: WaitHeap] = [:]
    /// The tiers someone on the staff works at, and the highest of them below the vendor.
    let staffedTiers: Set<Int>
    let topTier: Int?
    var knownInHouse: [String: Bool] = [:]
    let requester: Principal
    let lead: Principal
    var nextArrival = 0
    /// (Calibrated runs) Open tickets whose work is over, waiting on others to be resolved.
    var parkedCount = 0
    /// (Calibrated runs) Every ticket has arrived and every open one waits on others: nobody works
    /// again, so people have gone offline for good and shifts are no longer followed.
    var quiet = false
    /// Effort of the ticket being opened, for its `ticket.opened` event.
    var openingEffort = 0
    /// Events decided and not yet handed to the sink.
    var outbox: [SwarmEvent] = []
    /// Tickets whose waiting status may have changed.
    var touched: [String] = []
    var summary: SimulationSummary
    let horizon: Int64
    /// Open tickets' timer deadlines, kept as the hub's ledger keeps them: updated for the tickets
    /// each step touched.
    var deadlines = DeadlineIndex()
    /// A tick at this instant fired nothing (a model bug): deadlines up to it wait for the next happening.
    var timersHeldAt: Int64?

    static let minute: Int64 = 60_000
    /// A person whose next shift starts more than 16 hours after this one ends hands back their
    /// swarmed tickets (a weekend, days off); overnight they keep them.
    static let handBackAfter: Int64 = 16 * 3_600_000
    static let epsilon = 1e-6

    init(workload: [WorkloadItem], staff: [StaffMember], settings: SwarmSettings, options: SimulationOptions) {
        self.workload = workload
        self.settings = settings
        self.options = options
        self.staff = staff
        self.random = SimulationRandom(seed: options.seed, stream: 2)
        let first = workload.first?.arrival.milliseconds ?? 0
        self.clock = first - ((first % 86_400_000) + 86_400_000) % 86_400_000
        let last = workload.last?.arrival.milliseconds ?? first
        self.horizon = last + options.drainMinutes * Self.minute
        var ids = Set(staff.map(\.id))
        func unique(_ base: String) -> String {
            var name = base
            var n = 1
            while ids.contains(name) {
                n += 1
                name = "\(base)-\(n)"
            }
            ids.insert(name)
            return name
        }
        self.requester = Principal(id: unique("requester"), role: .requester)
        self.lead = Principal(id: unique("lead"), role: .lead)
        for member in staff {
            people[member.id] = Person(
                member: member, principal: Principal(id: member.id, role: member.role),
                capacity: member.capacity ?? options.capacity)
        }
        self.order = staff.map(\.id).sorted()
        self.staffedTiers = Set(staff.flatMap(\.tiers))
        self.topTier = staffedTiers.filter { $0 < Tier.vendor }.max()
        self.summary = SimulationSummary(mode: options.mode, start: Timestamp(milliseconds: clock))
    }

    var now: Timestamp { Timestamp(milliseconds: clock) }

    // MARK: The loop

    mutating func run(_ sink: (SwarmEvent) -> Void) -> SimulationSummary {
        setUp()
        refreshTouched()
        flush(sink)
        while nextArrival < workload.count || !works.isEmpty {
            let happening = queue.nextTime
            if let deadline = nextDeadline(), deadline <= horizon, happening.map({ deadline <= $0 }) ?? true,
                timersHeldAt.map({ deadline > $0 }) ?? true
            {
                clock = max(clock, deadline)
                tick()
            } else if let time = happening, time <= horizon, let (at, next) = queue.pop() {
                clock = max(clock, at)
                timersHeldAt = nil
                handle(next)
            } else {
                break
            }
            refreshTouched()
            flush(sink)
        }
        // The end: everyone still at work goes offline, so no availability is counted after it.
        for agent in order where people[agent]?.onShift == true {
            people[agent]?.onShift = false
            perform(.disconnected(agent: agent), by: .system)
        }
        flush(sink)
        summary.open = works.count
        return summary
    }

    /// The earliest timer deadline of any open ticket, from the deadline index.
    func nextDeadline() -> Int64? { deadlines.next?.milliseconds }

    /// Fires the timers due now by deciding `tick` as the hub itself, on the tickets the deadline
    /// index says are due (`SwarmState.tickEvents(of:)`, which gives the events a tick over every
    /// open ticket gives; `checkShortcuts` compares the two).
    mutating func tick() {
        let due = deadlines.due(at: now)
        let events = state.tickEvents(of: due, at: now, settings: settings)
        if options.checkShortcuts {
            let full = (try? state.decide(.tick, by: .system, at: now, settings: settings)) ?? []
            if full != events {
                summary.refused += 1
                summary.refusals.append("\(now) tick on the due tickets differs from tick on all")
            }
        }
        if events.isEmpty {
            // Never expected: a deadline that fires nothing would fire again at once, for ever.
            timersHeldAt = clock
            summary.refused += 1
            if summary.refusals.count < 10 { summary.refusals.append("\(now) a tick on \(due.sorted()) fired nothing") }
        }
        for event in events { state.apply(event) }
        outbox.append(contentsOf: events)
        for event in events { observe(event) }
        touched.append(contentsOf: due.sorted())
    }

    mutating func flush(_ sink: (SwarmEvent) -> Void) {
        for event in outbox { sink(event) }
        summary.events += outbox.count
        if let last = outbox.last { summary.end = last.at }
        outbox.removeAll(keepingCapacity: true)
    }

    mutating func setUp() {
        if options.mode != .swarm {
            for name in Set(workload.map(\.queue)).sorted() {
                perform(.configureQueue(queue: name, mode: options.mode), by: .system)
            }
        }
        for member in staff {
            let principal = Principal(id: member.id, role: member.role)
            if !member.skills.isEmpty { perform(.setSkills(agent: nil, skills: member.skills), by: principal) }
            if !member.tiers.isEmpty { perform(.setTiers(agent: member.id, tiers: member.tiers), by: lead) }
        }
        for member in staff {
            if member.shift.isOn(at: now) {
                people[member.id]?.onShift = true
                perform(.connected(agent: member.id), by: .system)
            }
            if let change = member.shift.nextChange(after: now) {
                queue.push(.shift(member.id), at: change.milliseconds)
            }
        }
        if let first = workload.first { queue.push(.arrival(0), at: first.arrival.milliseconds) }
    }

    mutating func handle(_ happening: Happening) {
        switch happening {
        case .arrival(let index): arrive(index)
        case .shift(let agent):
            if options.calibration != nil && nextArrival >= workload.count && parkedCount == works.count {
                // Months of waiting on others would otherwise be months of people coming and going.
                goQuiet()
            } else {
                shiftChanges(agent)
            }
        case .answer(let agent, let ticket): answer(agent, ticket)
        case .check(let ticket, let version): check(ticket, version: version)
        case .consider(let agent): consider(agent)
        case .dispatch(let ticket, let anyone): dispatch(ticket, anyone: anyone)
        case .help(let agent, let ticket): askForHelp(agent, ticket)
        case .vendor(let ticket): vendorDone(ticket)
        case .assigned(let agent, let ticket): given(ticket, to: agent)
        case .release(let ticket): release(ticket)
        }
    }

    // MARK: Commands and what follows from their events

    /// Decides and applies a command as `principal`, then reacts to its events. A refusal is
    /// counted (the model should never cause one) and changes nothing.
    @discardableResult
    mutating func perform(_ command: Command, by principal: Principal) -> [SwarmEvent] {
        let events: [SwarmEvent]
        do {
            events = try state.decide(command, by: principal, at: now, settings: settings)
        } catch {
            summary.refused += 1
            if summary.refusals.count < 10 { summary.refusals.append("\(now) \(principal.id) \(command): \(error)") }
            return []
        }
        for event in events { state.apply(event) }
        outbox.append(contentsOf: events)
        for event in events { observe(event) }
        return events
    }

    mutating func observe(_ event: SwarmEvent) {
        guard let id = event.ticket else { return }
        touched.append(id)
        switch event.payload {
        case .ticketOpened(let ticket):
            let required = ticket.requiredSkills
            works[id] = Work(
                number: ticket.number, rank: Self.rank(ticket.priority), required: required,
                needed: required.isEmpty ? 1 : SimulationOptions.neededLevel(effort: openingEffort),
                remaining: Double(openingEffort), lastUpdate: clock,
                needsVendor: options.calibration == nil && required.contains { !inHouse($0) })
            summary.tickets += 1
            if let assignee = ticket.assignee { assign(id, to: assignee) }
        case .expertInvited(let agent, _, _, _, _):
            guard people[agent]?.onShift == true else { return }
            let delay = Int64(random.integer(in: options.answerDelay)) * Self.minute
            queue.push(.answer(agent: agent, ticket: id), at: clock + delay)
        case .ticketEscalated(let escalation):
            stopAll(id)
            works[id]?.handedOff = true
            works[id]?.passedTo = nil
            if escalation.swarm { return }
            if escalation.to == Tier.vendor {
                works[id]?.atVendor = true
                queue.push(.vendor(ticket: id), at: clock + Self.minutes(options.vendorMinutes))
            } else if let assignee = escalation.assignee {
                assign(id, to: assignee)
            }
        default:
            break
        }
    }

    static func rank(_ priority: Priority) -> Int {
        switch priority {
        case .p1: 1
        case .p2: 2
        case .p3: 3
        case .p4: 4
        }
    }

    static func minutes(_ value: Double) -> Int64 { Int64((value * Double(minute)).rounded(.up)) }

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
        perform(.openTicket(open), by: requester)
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
        perform(.answerInvite(ticket: id, accept: accept), by: person.principal)
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
            perform(.addOwner(ticket: id, agent: agent), by: lead)
        }
        if state.tickets[id]?.owners.contains(other) != true {
            perform(.addOwner(ticket: id, agent: other), by: lead)
        }
        perform(.removeOwner(ticket: id, agent: agent), by: lead)
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
        perform(.setStatus(ticket: id, status: .resolved, resolution: "Resolved in the simulation"), by: resolver)
        finish(id)
    }

    mutating func vendorDone(_ id: String) {
        guard let work = works[id], work.atVendor, let ticket = state.tickets[id], !ticket.status.isDone else { return }
        let resolver =
            ticket.assignee.flatMap { people[$0]?.principal } ?? work.lastWorker.flatMap { people[$0]?.principal }
            ?? lead
        perform(.setStatus(ticket: id, status: .resolved, resolution: "Fixed by the vendor"), by: resolver)
        finish(id)
    }

    mutating func askForHelp(_ agent: String, _ id: String) {
        guard let work = works[id], work.workers.contains(where: { $0.agent == agent }),
            let ticket = state.tickets[id], ticket.tier == nil, let person = people[agent]
        else { return }
        let missing = uncovered(work)
        guard !missing.isEmpty else { return }
        perform(.requestHelp(ticket: id, skills: missing, note: nil), by: person.principal)
    }

    /// Required skills no worker of the ticket holds at the resolve level.
    func uncovered(_ work: Work) -> [String] {
        work.required.indices.filter { index in
            !work.workers.contains { $0.levels[index] >= work.needed }
        }.map { work.required[$0] }
    }

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
        perform(.comment(ticket: id, body: "Looking into it."), by: person.principal)
        if ticket.owners.isEmpty && (ticket.status == .new || ticket.status == .open) {
            perform(.setStatus(ticket: id, status: .inProgress, resolution: nil), by: person.principal)
        } else if !ticket.members.contains(agent) {
            perform(.join(ticket: id), by: person.principal)
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
                perform(.logWork(ticket: id, minutes: entry, note: nil), by: principal)
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
                perform(.addOwner(ticket: id, agent: other), by: person.principal)
            } else if ticket.status == .inProgress {
                perform(.setStatus(ticket: id, status: .open, resolution: nil), by: person.principal)
            }
        }
        perform(.leave(ticket: id), by: person.principal)
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
                    .setStatus(ticket: id, status: .resolved, resolution: "Resolved in the simulation"), by: principal)
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
        if perform(.escalate(request), by: person.principal).isEmpty { stop(worker.agent, on: id) }
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
        if state.agents[agent]?.presence != wanted { perform(.setPresence(wanted), by: person.principal) }
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

    // MARK: Progress

    /// Brings the work of `agents`' tickets and of `tickets` up to now, before a change of who
    /// works what; returns them for ``settle(_:agents:)``.
    mutating func prepare(agents: [String], tickets: [String] = []) -> [String] {
        var affected: [String] = tickets
        for agent in agents {
            for id in people[agent]?.active ?? [] where !affected.contains(id) { affected.append(id) }
        }
        for id in affected { advance(id) }
        return affected
    }

    /// After the change: plans the next check of every ticket involved.
    mutating func settle(_ affected: [String], agents: [String]) {
        var all = affected
        for agent in agents { for id in people[agent]?.active ?? [] where !all.contains(id) { all.append(id) } }
        for id in all { schedule(id) }
    }

    /// Each worker gives the ticket their share of attention; the reading and diagnosing come
    /// first; the rest is work at 1 ÷ factor per minute, the swarm's total divided by the
    /// coordination overhead.
    mutating func advance(_ id: String) {
        guard var work = works[id] else { return }
        let elapsed = Double(clock - work.lastUpdate) / Double(Self.minute)
        if elapsed > 0 {
            var rate = 0.0
            var working = 0
            for index in work.workers.indices {
                let share = people[work.workers[index].agent]?.share ?? 0
                guard share > 0 else { continue }
                work.workers[index].spent += elapsed * share
                if work.workers[index].overhead > 0 || work.workers[index].diagnosing {
                    work.workers[index].overhead = max(0, work.workers[index].overhead - elapsed * share)
                } else {
                    rate += share / work.workers[index].factor
                    working += 1
                }
            }
            if working > 0 {
                work.remaining -= elapsed * rate / (1 + options.coordinationOverhead * Double(working - 1))
            }
        }
        work.lastUpdate = clock
        works[id] = work
    }

    /// Plans the ticket's next check: when the first reading or diagnosis ends, or the work does.
    mutating func schedule(_ id: String) {
        guard var work = works[id] else { return }
        work.version += 1
        var next: Double?
        var rate = 0.0
        var working = 0
        for worker in work.workers {
            let share = people[worker.agent]?.share ?? 0
            guard share > 0 else { continue }
            if worker.overhead > 0 || worker.diagnosing {
                let left = worker.overhead / share
                if next.map({ left < $0 }) ?? true { next = left }
            } else {
                rate += share / worker.factor
                working += 1
            }
        }
        if working > 0 {
            let left = max(0, work.remaining) / (rate / (1 + options.coordinationOverhead * Double(working - 1)))
            if next.map({ left < $0 }) ?? true { next = left }
        }
        works[id] = work
        if let next { queue.push(.check(ticket: id, version: work.version), at: clock + Self.minutes(next)) }
    }
}

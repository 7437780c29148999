import Foundation
import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol

struct SimulationEngine {
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
            if !member.skills.isEmpty {
                perform(.client(.skillsSet(SkillsSet(skills: member.skills, agent: nil))), by: principal)
            }
            if !member.tiers.isEmpty {
                perform(.client(.tiersSet(TiersSet(agent: member.id, tiers: member.tiers))), by: lead)
            }
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

}

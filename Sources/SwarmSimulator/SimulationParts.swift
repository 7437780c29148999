import Foundation
import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol

// The simulator's values: what happens when (`Happening`), the people and their work, and the queue
// of waiting tickets. Internal to the module; the engine (SimulationEngine*.swift) uses them.

/// Something that happens at a simulated instant.
enum Happening {
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
struct Person {
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
struct Worker {
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
struct Work {
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
struct WaitHeap {
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

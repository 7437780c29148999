public import SwarmProtocol

/// Every open ticket's earliest deadline (invitation timeouts, time-based escalation, SLA moments,
/// the backlog), kept per ticket so the next one is known without scanning every ticket.
///
/// The owner of a state keeps it up to date: after applying events it calls ``update(_:in:settings:)``
/// with the tickets they touched, since a ticket's deadline depends on that ticket and the settings
/// alone. The hub's ledger does so after every batch, and its timer sleeps until ``next``.
/// Entries are replaced lazily: an update pushes a new entry and the old one is skipped when it
/// surfaces, so an update costs O(log n).
public struct DeadlineIndex: Sendable {
    /// One ticket's deadline as pushed; ordered by time, then by when it was pushed.
    private struct Entry: Comparable, Sendable {
        var at: Timestamp
        var version: UInt64
        var ticket: String

        static func < (left: Entry, right: Entry) -> Bool { (left.at, left.version) < (right.at, right.version) }
    }

    private var heap = MinHeap<Entry>()
    private var current: [String: (at: Timestamp, version: UInt64)] = [:]
    private var versions: UInt64 = 0

    /// An empty index.
    public init() {}

    /// The index of every ticket of `state`.
    public init(_ state: SwarmState, settings: SwarmSettings) {
        update(state.tickets.keys, in: state, settings: settings)
    }

    /// Recomputes the deadlines of `tickets` (tickets that no longer exist or are done drop out).
    public mutating func update(_ tickets: some Sequence<String>, in state: SwarmState, settings: SwarmSettings) {
        for id in tickets {
            let deadline = state.tickets[id].flatMap { SwarmState.deadline(of: $0, settings: settings) }
            if current[id]?.at == deadline { continue }
            guard let deadline else {
                current[id] = nil
                continue
            }
            versions += 1
            current[id] = (deadline, versions)
            heap.push(Entry(at: deadline, version: versions, ticket: id))
        }
        // Stale entries are dropped when they reach the top; rebuild when they outnumber the live ones.
        if heap.count > 64 && heap.count > 4 * current.count { rebuild() }
        dropStale()
    }

    /// The earliest deadline, `nil` when no ticket has one.
    public var next: Timestamp? { heap.first?.at }

    /// The tickets whose deadline is at or before `now`, in no particular order; they stay in the
    /// index until an update recomputes them. Walks only the part of the heap that is due (a parent
    /// is never later than its children), so it costs the due entries, not every ticket.
    public func due(at now: Timestamp) -> [String] {
        heap.prefix { $0.at <= now }.filter { current[$0.ticket]?.version == $0.version }.map(\.ticket)
    }

    /// The number of tickets with a deadline.
    public var count: Int { current.count }

    private mutating func dropStale() {
        while let top = heap.first, current[top.ticket]?.version != top.version { heap.popFirst() }
    }

    private mutating func rebuild() {
        heap.removeAll()
        for (ticket, entry) in current { heap.push(Entry(at: entry.at, version: entry.version, ticket: ticket)) }
    }
}

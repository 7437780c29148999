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
    private var heap: [(at: Timestamp, ticket: String, version: UInt64)] = []
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
            push((deadline, id, versions))
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
        var found: [String] = []
        var stack = heap.isEmpty ? [] : [0]
        while let index = stack.popLast() {
            let entry = heap[index]
            guard entry.at <= now else { continue }
            if current[entry.ticket]?.version == entry.version { found.append(entry.ticket) }
            for child in [2 * index + 1, 2 * index + 2] where child < heap.count { stack.append(child) }
        }
        return found
    }

    /// The number of tickets with a deadline.
    public var count: Int { current.count }

    private mutating func dropStale() {
        while let top = heap.first, current[top.ticket]?.version != top.version { popTop() }
    }

    private mutating func rebuild() {
        heap = []
        for (ticket, entry) in current { push((entry.at, ticket, entry.version)) }
    }

    private mutating func push(_ entry: (at: Timestamp, ticket: String, version: UInt64)) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard earlier(child, than: parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count && earlier(left, than: first) { first = left }
            if right < heap.count && earlier(right, than: first) { first = right }
            guard first != parent else { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }

    private func earlier(_ a: Int, than b: Int) -> Bool {
        (heap[a].at, heap[a].version) < (heap[b].at, heap[b].version)
    }
}

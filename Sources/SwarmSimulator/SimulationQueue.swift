import SwarmCore

/// Timed happenings in the order they happen: by time and then by the order they were scheduled in,
/// so happenings at the same instant run first-scheduled first, on every run. Kept in SwarmCore's
/// ``MinHeap``.
struct SimulationQueue<Element> {
    /// One scheduled happening; ordered by time, then by when it was scheduled.
    private struct Scheduled: Comparable {
        var time: Int64
        var order: UInt64
        var element: Element

        static func < (left: Scheduled, right: Scheduled) -> Bool {
            (left.time, left.order) < (right.time, right.order)
        }
        static func == (left: Scheduled, right: Scheduled) -> Bool {
            (left.time, left.order) == (right.time, right.order)
        }
    }

    private var heap = MinHeap<Scheduled>()
    private var scheduled: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// The time of the earliest happening.
    var nextTime: Int64? { heap.first?.time }

    /// The earliest happening, left in the queue.
    var first: (time: Int64, element: Element)? { heap.first.map { ($0.time, $0.element) } }

    mutating func push(_ element: Element, at time: Int64) {
        scheduled += 1
        heap.push(Scheduled(time: time, order: scheduled, element: element))
    }

    mutating func pop() -> (time: Int64, element: Element)? {
        heap.popFirst().map { ($0.time, $0.element) }
    }
}

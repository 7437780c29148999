/// A binary min-heap of timed happenings, ordered by time and then by the order they were
/// scheduled in, so happenings at the same instant run first-scheduled first, on every run.
struct SimulationQueue<Element> {
    private var items: [(time: Int64, order: UInt64, element: Element)] = []
    private var scheduled: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    /// The time of the earliest happening.
    var nextTime: Int64? { items.first?.time }

    /// The earliest happening, left in the queue.
    var first: (time: Int64, element: Element)? { items.first.map { ($0.time, $0.element) } }

    mutating func push(_ element: Element, at time: Int64) {
        scheduled += 1
        items.append((time, scheduled, element))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard earlier(child, than: parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: Int64, element: Element)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < items.count && earlier(left, than: first) { first = left }
            if right < items.count && earlier(right, than: first) { first = right }
            guard first != parent else { break }
            items.swapAt(parent, first)
            parent = first
        }
        return (top.time, top.element)
    }

    private func earlier(_ a: Int, than b: Int) -> Bool {
        (items[a].time, items[a].order) < (items[b].time, items[b].order)
    }
}

/// A binary min-heap: the least element first, push and pop in O(log n). The one heap of the
/// project: the hub's deadline index and the simulator's event queue both keep their order in it.
public struct MinHeap<Element: Comparable> {
    /// The elements in heap order: every parent is no greater than its children.
    private var storage: [Element] = []

    /// An empty heap.
    public init() {}

    public var isEmpty: Bool { storage.isEmpty }
    public var count: Int { storage.count }

    /// The least element, left in the heap.
    public var first: Element? { storage.first }

    /// Adds `element`.
    public mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child] < storage[parent] else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the least element.
    @discardableResult
    public mutating func popFirst() -> Element? {
        guard !storage.isEmpty else { return nil }
        storage.swapAt(0, storage.count - 1)
        let least = storage.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < storage.count && storage[left] < storage[smallest] { smallest = left }
            if right < storage.count && storage[right] < storage[smallest] { smallest = right }
            guard smallest != parent else { break }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
        return least
    }

    /// Every element for which `isIncluded` holds, in no particular order, when `isIncluded` holds of
    /// an element only if it holds of every smaller one (`due at now`, say): walks only that part of
    /// the heap, as a parent is never greater than its children, so it costs what it finds.
    public func prefix(while isIncluded: (Element) -> Bool) -> [Element] {
        var found: [Element] = []
        var stack = storage.isEmpty ? [] : [0]
        while let index = stack.popLast() {
            guard isIncluded(storage[index]) else { continue }
            found.append(storage[index])
            for child in [2 * index + 1, 2 * index + 2] where child < storage.count { stack.append(child) }
        }
        return found
    }

    /// Removes every element.
    public mutating func removeAll() { storage.removeAll() }
}

extension MinHeap: Sendable where Element: Sendable {}

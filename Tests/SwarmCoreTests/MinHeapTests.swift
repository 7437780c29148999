import SwarmCore
import Testing

@Suite("MinHeap: the one heap")
struct MinHeapTests {
    typealias Seeded = SplitMix64

    @Test("pops in ascending order whatever the order of pushes, with pops between them")
    func ordered() {
        var random = Seeded(state: 7)
        var heap = MinHeap<Int>()
        var model: [Int] = []
        for _ in 0..<2000 {
            if Bool.random(using: &random) || model.isEmpty {
                let value = Int.random(in: -500...500, using: &random)
                heap.push(value)
                model.append(value)
            } else {
                model.sort()
                #expect(heap.popFirst() == model.removeFirst())
            }
            #expect(heap.count == model.count && heap.first == model.min())
        }
        model.sort()
        var rest: [Int] = []
        while let value = heap.popFirst() { rest.append(value) }
        #expect(rest == model && heap.isEmpty && heap.popFirst() == nil)
    }

    @Test("prefix(while:) finds exactly the elements at or below a bound, without popping")
    func prefix() {
        var random = Seeded(state: 11)
        var heap = MinHeap<Int>()
        let values = (0..<500).map { _ in Int.random(in: 0...1000, using: &random) }
        for value in values { heap.push(value) }
        for bound in [-1, 0, 10, 500, 1000] {
            #expect(heap.prefix { $0 <= bound }.sorted() == values.filter { $0 <= bound }.sorted(), "\(bound)")
        }
        #expect(heap.count == 500)
    }
}

import Foundation
import SwarmProtocol
import Testing

@Suite("A ticket's comments (CommentList)")
struct CommentListTests {
    func comment(_ n: Int) -> SwarmProtocol.Comment {
        SwarmProtocol.Comment(
            number: n, author: "agent\(n % 7)", body: "note \(n)", at: Timestamp(milliseconds: Int64(n)))
    }

    @Test("it holds what an array holds, in order, across chunk boundaries")
    func likeAnArray() {
        for count in [0, 1, CommentList.chunkSize - 1, CommentList.chunkSize, CommentList.chunkSize + 1, 1000] {
            let array = (1...max(1, count)).prefix(count).map(comment)
            var list = CommentList()
            for c in array { list.append(c) }
            #expect(list.count == count)
            #expect(Array(list) == array)
            #expect(list == CommentList(array), "equal however it was built")
            #expect(list.hashValue == CommentList(array).hashValue)
            if count > 0 {
                #expect(list[count - 1] == array[count - 1] && list.last == array.last)
            }
        }
    }

    @Test("a copy is independent: appending to one changes neither the other nor what it had")
    func valueSemantics() {
        var committed = CommentList((1...600).map(comment))
        var decided = committed
        decided.append(comment(601))
        #expect(committed.count == 600 && decided.count == 601)
        committed.append(comment(9999))
        #expect(committed.last?.number == 9999 && decided.last?.number == 601)
        #expect(Array(decided.prefix(600)) == (1...600).map(comment))
        #expect(committed != decided)
    }

    @Test("it is encoded as a plain JSON array, and decoded from one")
    func codable() throws {
        let array = (1...300).map(comment)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let list = CommentList(array)
        #expect(try encoder.encode(list) == encoder.encode(array))
        let decoded = try JSONDecoder().decode(CommentList.self, from: encoder.encode(array))
        #expect(decoded == list)
        #expect(try JSONDecoder().decode(CommentList.self, from: Data("[]".utf8)).isEmpty)
    }
}

import NIOCore
import SwarmFiles
import Synchronization
import Testing

/// The ``ClamdError`` that `body` throws; records an issue (`unexpected`) when it returns, or when it throws
/// another error.
func clamdError<T>(
    _ unexpected: Comment, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> ClamdError? {
    do {
        let value = try await body()
        Issue.record("\(unexpected): \(value)", sourceLocation: sourceLocation)
    } catch let error as ClamdError {
        return error
    } catch {
        Issue.record("not a ClamdError: \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A fixed list of chunks as an `AsyncSequence`.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    init(_ chunks: [ByteBuffer]) { self.chunks = chunks }

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...]) }
}

/// `count` chunks of `size` bytes, each made when it is asked for (so a large stream is never in memory
/// whole); counts how many were asked for.
struct GeneratedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let count: Int
    let size: Int
    let pulled = Counter()

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        var count: Int { value.load(ordering: .relaxed) }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let count: Int
        let size: Int
        let pulled: Counter
        var index = 0

        mutating func next() async -> ByteBuffer? {
            guard index < count else { return nil }
            pulled.value.add(1, ordering: .relaxed)
            defer { index += 1 }
            // Bytes that differ from chunk to chunk and match no signature.
            return ByteBuffer(repeating: UInt8(truncatingIfNeeded: index &* 31 &+ 1), count: size)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count, size: size, pulled: pulled) }
}

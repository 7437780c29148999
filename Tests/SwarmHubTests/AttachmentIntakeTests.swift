import Crypto
import Foundation
import NIOCore
import SwarmFiles
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@testable import SwarmHub

/// `AttachmentIntake` on a real SQLite store, both ways in: a stream of buffers (an upload's body) and a
/// byte array (a mail's part).
@Suite("Attachment intake: bytes to a stored, sniffed file")
struct AttachmentIntakeTests {
    struct BrokenBody: Error {}

    /// Buffers given one at a time, then optionally an error: an upload's body, or one cut off.
    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        var buffers: [[UInt8]]
        var failsAtEnd = false

        struct AsyncIterator: AsyncIteratorProtocol {
            var buffers: [[UInt8]]
            var failsAtEnd: Bool
            mutating func next() async throws -> ByteBuffer? {
                if buffers.isEmpty {
                    if failsAtEnd { throw BrokenBody() }
                    return nil
                }
                return ByteBuffer(bytes: buffers.removeFirst())
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffers: buffers, failsAtEnd: failsAtEnd) }
    }

    func withIntake(maxFileSize: Int64, _ body: (AttachmentIntake, SQLiteEventStore) async throws -> Void)
        async throws
    {
        let store = try SQLiteEventStore(path: try temporaryDirectory().appendingPathComponent("swarm.sqlite").path)
        let intake = AttachmentIntake(
            store: store, maxFileSize: maxFileSize, scanner: nil, sniffer: try MediaSniffer(), clock: systemClock)
        try await body(intake, store)
    }

    static func hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    @Test("a stream of buffers and the same bytes as an array: one blob, its hash, the type of its bytes")
    func bothWays() async throws {
        try await withIntake(maxFileSize: 1 << 20) { intake, store in
            let png = AttachmentHubTests.png + [UInt8](repeating: 7, count: 600_000)
            // Buffers of odd sizes, across the store's 256 KiB chunks.
            var buffers: [[UInt8]] = []
            var rest = png[...]
            while !rest.isEmpty {
                buffers.append(Array(rest.prefix(70_001)))
                rest = rest.dropFirst(70_001)
            }
            let streamed = try await intake.take(Chunks(buffers: buffers), name: "shot.png", ticket: "T-1", by: "rita")
            #expect(streamed.blob.sha256 == Self.hex(png) && streamed.blob.size == Int64(png.count))
            #expect(streamed.blob.chunks == 3)
            #expect(streamed.mediaType == .png)
            let whole = try await intake.take(png, name: "shot.png", ticket: "T-1", by: "rita")
            #expect(whole == streamed)
            #expect(try await store.allBlobs().count == 1, "the same bytes are one blob")
            var read: [UInt8] = []
            for index in 0..<whole.blob.chunks {
                read += try #require(try await store.blobChunk(whole.blob.sha256, index: index))
            }
            #expect(read == png)
            let add = whole.attachment(to: "T-1", name: "shot.png", visibility: .public)
            #expect(add.mediaType == "image/png" && add.sha256 == Self.hex(png) && add.visibility == .public)
            // An empty file is a file.
            let empty = try await intake.take([UInt8](), name: "empty.txt", ticket: "T-1", by: "rita")
            #expect(empty.blob.size == 0 && empty.mediaType.essence == "application/x-empty")
        }
    }

    @Test("over the limit and a body cut off: the upload route's errors, and nothing left staged")
    func refusals() async throws {
        try await withIntake(maxFileSize: 100_000) { intake, store in
            do {
                _ = try await intake.take(
                    Chunks(buffers: [[UInt8](repeating: 1, count: 60_000), [UInt8](repeating: 2, count: 60_000)]),
                    name: "big.bin", ticket: "T-1", by: "rita")
                Issue.record("a stream over the limit was taken")
            } catch let error as HubError {
                #expect(error == HubError(.tooLarge, "the file is over the limit of 100000 bytes per file"))
            }
            await #expect(
                throws: HubError(.tooLarge, "the file has 100001 bytes, 1 over the limit of 100000 bytes per file")
            ) {
                try await intake.take([UInt8](repeating: 3, count: 100_001), name: "big.bin", ticket: "T-1", by: "rita")
            }
            await #expect(throws: BrokenBody.self) {
                try await intake.take(
                    Chunks(buffers: [[1, 2, 3]], failsAtEnd: true), name: "cut.bin", ticket: "T-1", by: "rita")
            }
            #expect(try await store.discardUploads(startedBefore: Timestamp(milliseconds: Int64.max / 2)) == 0)
            #expect(try await store.allBlobs().isEmpty)
            // Exactly the limit is taken.
            let exact = try await intake.take(
                [UInt8](repeating: 4, count: 100_000), name: "exact.bin", ticket: "T-1", by: "rita")
            #expect(exact.blob.size == 100_000)
        }
    }
}

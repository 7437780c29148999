import NIOCore
import SwarmFiles
import SwarmTestSupport
import Testing

/// `INSTREAM` and `PING` against a real clamd (scripts/lib/clamd.sh), with the EICAR test file as the virus.
@Suite("Scanning with a real clamd", .enabled(if: ClamdHarness.isAvailable))
struct ClamdClientTests {
    static func client(_ clamd: ClamdHarness.Environment, timeout: Duration = .seconds(30)) throws -> ClamdClient {
        ClamdClient(address: try ClamdAddress(parsing: clamd.address), timeout: timeout)
    }

    @Test("PING is answered")
    func ping() async throws {
        try await ClamdHarness.with { clamd in
            try await Self.client(clamd).ping()
        }
    }

    @Test("a clean file is clean")
    func clean() async throws {
        try await ClamdHarness.with { clamd in
            let client = try Self.client(clamd)
            let pdf = try await client.scan(ByteBuffer(bytes: Samples.pdf))
            let text = try await client.scan(ByteBuffer(bytes: Samples.text))
            #expect(pdf == .clean)
            #expect(text == .clean)
        }
    }

    @Test("the EICAR test file is found, with the signature's name")
    func eicar() async throws {
        try await ClamdHarness.with { clamd in
            let verdict = try await Self.client(clamd).scan(ByteBuffer(bytes: ClamdHarness.eicar))
            #expect(verdict == .found(signature: ClamdHarness.signature))
        }
    }

    @Test("over TCP as over the Unix socket")
    func tcp() async throws {
        try await ClamdHarness.with { clamd in
            let client = ClamdClient(address: try ClamdAddress(parsing: clamd.tcpAddress))
            try await client.ping()
            let eicar = try await client.scan(ByteBuffer(bytes: ClamdHarness.eicar))
            let clean = try await client.scan(ByteBuffer(bytes: Samples.png))
            #expect(eicar == .found(signature: ClamdHarness.signature))
            #expect(clean == .clean)
        }
    }

    @Test("EICAR cut into 7-byte chunks, with empty chunks between, after a megabyte: found")
    func eicarInPieces() async throws {
        try await ClamdHarness.with { clamd in
            var chunks = [ByteBuffer(repeating: 0x20, count: 1 << 20), ByteBuffer()]
            var rest = ClamdHarness.eicar[...]
            while !rest.isEmpty {
                chunks.append(ByteBuffer(bytes: rest.prefix(7)))
                chunks.append(ByteBuffer())
                rest = rest.dropFirst(7)
            }
            let verdict = try await Self.client(clamd).scan(Chunks(chunks))
            #expect(verdict == .found(signature: ClamdHarness.signature))
        }
    }

    @Test("a 10 MB stream, made as it is sent, is clean")
    func tenMegabytes() async throws {
        try await ClamdHarness.with { clamd in
            let stream = GeneratedChunks(count: 160, size: 64 * 1024)
            let verdict = try await Self.client(clamd).scan(stream)
            #expect(verdict == .clean)
            #expect(stream.pulled.count == 160)
        }
    }

    @Test("past clamd's StreamMaxLength (2 MB here): sizeLimitExceeded, and the rest of the stream is not read")
    func sizeLimit() async throws {
        try await ClamdHarness.with(streamMaxLength: 2 << 20) { clamd in
            let stream = GeneratedChunks(count: 400, size: 64 * 1024)  // 25 MB
            let error = await clamdError("a stream over the limit was scanned") {
                try await Self.client(clamd).scan(stream)
            }
            #expect(error?.code == .sizeLimitExceeded, "\(String(describing: error))")
            #expect(stream.pulled.count < 200, "read on after clamd refused the stream")

            // The whole-buffer convenience, one byte over.
            let whole = await clamdError("a buffer over the limit was scanned") {
                try await Self.client(clamd).scan(ByteBuffer(repeating: 0x41, count: (2 << 20) + 1))
            }
            #expect(whole?.code == .sizeLimitExceeded, "\(String(describing: whole))")
            // Exactly at the limit is scanned.
            let atLimit = try await Self.client(clamd).scan(ByteBuffer(repeating: 0x41, count: 2 << 20))
            #expect(atLimit == .clean)
        }
    }

    @Test("a stopped clamd is unreachable; started again, it answers")
    func stopped() async throws {
        try await ClamdHarness.with { clamd in
            try await clamd.control("stop")
            let error = await clamdError("PING answered by a stopped clamd") { try await Self.client(clamd).ping() }
            #expect(error?.code == .unreachable, "\(String(describing: error))")
            #expect(error?.message.contains(clamd.address) == true, "\(String(describing: error))")
            try await clamd.control("start")
            try await Self.client(clamd).ping()
        }
    }

    @Test("the bytes to scan breaking off is inputFailed, with their error as the cause")
    func inputFails() async throws {
        struct UploadBroke: Error {}
        try await ClamdHarness.with { clamd in
            let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
            continuation.yield(ByteBuffer(repeating: 0x41, count: 1000))
            continuation.finish(throwing: UploadBroke())
            let error = await clamdError("a broken stream got a verdict") { try await Self.client(clamd).scan(stream) }
            #expect(error?.code == .inputFailed)
            #expect(error?.cause is UploadBroke)
            // clamd is none the worse.
            let after = try await Self.client(clamd).scan(ByteBuffer(bytes: ClamdHarness.eicar))
            #expect(after == .found(signature: ClamdHarness.signature))
        }
    }
}

import NIOCore
import SwarmFiles
import Testing

/// What clamd cannot be made to do on demand, against ``FakeClamd``; and addresses where nothing listens.
@Suite("clamd that does not answer, or answers wrong")
struct ClamdFailureTests {
    @Test("nothing at the socket path: unreachable")
    func noSocket() async throws {
        let client = ClamdClient(address: .unix(path: "/tmp/swarm-no-clamd-here.sock"))
        let error = await clamdError("PING answered where nothing listens") { try await client.ping() }
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        #expect(error?.message.contains("unix:/tmp/swarm-no-clamd-here.sock") == true)
        #expect(error?.cause != nil)
    }

    @Test("a TCP port where nothing listens: unreachable")
    func refusedTCP() async throws {
        let client = ClamdClient(address: try ClamdAddress(parsing: "tcp://127.0.0.1:1"))
        let error = await clamdError("a scan answered where nothing listens") {
            try await client.scan(ByteBuffer(bytes: Samples.text))
        }
        #expect(error?.code == .unreachable, "\(String(describing: error))")
    }

    @Test("a clamd that never answers: timeout")
    func neverAnswers() async throws {
        try await FakeClamd.with(.silent) { address in
            let client = ClamdClient(address: try ClamdAddress(parsing: address), timeout: .milliseconds(300))
            // The timeout's own error ends it (a hang would end in none); how long that took on a loaded
            // machine is no measure of anything.
            let error = await clamdError("PING answered by a silent server") { try await client.ping() }
            #expect(error?.code == .timeout, "\(String(describing: error))")
        }
    }

    @Test("a clamd that stops reading in the middle of a stream: timeout, not a hang, and the stream not read on")
    func stopsReading() async throws {
        try await FakeClamd.with(.silent) { address in
            let client = ClamdClient(address: try ClamdAddress(parsing: address), timeout: .milliseconds(300))
            let stream = GeneratedChunks(count: 160, size: 64 * 1024)
            let error = await clamdError("a scan answered by a silent server") { try await client.scan(stream) }
            #expect(error?.code == .timeout, "the timeout ended it, not a hang: \(String(describing: error))")
            // What clamd has not read waits in the sockets' buffers and NIO's (64 KiB), not in an ever larger
            // queue of chunks taken from the upload: of 10 MB, at most a few MB are taken (6 to 10 chunks on an
            // idle machine, 33 once in a full CI run: loopback's socket buffers grow with the load; what
            // matters is that it is bounded, not all 160).
            #expect(stream.pulled.count < 80, "\(stream.pulled.count) chunks of 64 KiB taken")
        }
    }

    @Test("an answer that is not clamd's: protocolError")
    func nonsense() async throws {
        try await FakeClamd.with(.answer(Array("HELLO\0".utf8))) { address in
            let client = ClamdClient(address: try ClamdAddress(parsing: address))
            let error = await clamdError("HELLO taken for PONG") { try await client.ping() }
            #expect(error?.code == .protocolError, "\(String(describing: error))")
            let scanned = await clamdError("HELLO taken for a verdict") {
                try await client.scan(ByteBuffer(bytes: Samples.text))
            }
            #expect(scanned?.code == .protocolError, "\(String(describing: scanned))")
        }
    }

    @Test("a connection closed before any answer: connectionLost")
    func hangUp() async throws {
        try await FakeClamd.with(.hangUp) { address in
            let client = ClamdClient(address: try ClamdAddress(parsing: address))
            let error = await clamdError("a closed connection gave a verdict") {
                try await client.scan(ByteBuffer(bytes: Samples.text))
            }
            #expect(error?.code == .connectionLost, "\(String(describing: error))")
        }
    }

    @Test("a cancelled scan ends at once as cancelled, not at the timeout")
    func cancelled() async throws {
        try await FakeClamd.with(.silent) { address in
            let client = ClamdClient(address: try ClamdAddress(parsing: address), timeout: .seconds(60))
            let started = ContinuousClock.now
            let scan = Task { try await client.scan(GeneratedChunks(count: 160, size: 64 * 1024)) }
            try await Task.sleep(for: .milliseconds(200))
            scan.cancel()
            let error = await clamdError("a cancelled scan gave a verdict") { try await scan.value }
            #expect(error?.code == .cancelled, "\(String(describing: error))")
            #expect(ContinuousClock.now - started < .seconds(30), "ended, not a hang")
        }
    }
}

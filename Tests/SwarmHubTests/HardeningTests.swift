import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a hostile or careless client can do to a real `swarmd` process (issue 17), over raw sockets.
@Suite("Hardening: a real swarmd against hostile and careless clients", .serialized)
struct HardeningProcessTests {
    func databasePath() throws -> String {
        try temporaryDirectory().appendingPathComponent("data/swarm.sqlite").path
    }

    func createToken(_ name: String, _ role: String = "agent", db: String) async throws -> String {
        let created = try await SwarmdProcess.run(["token", "create", "--name", name, "--role", role, "--db", db])
        return try #require(created.out.split(separator: "\n").last.map(String.init))
    }

    @Test("SIGTERM with a client that stopped reading, an idle socket and a half-sent head exits within the 5 s grace")
    func gracefulStopWithStalledReader() async throws {
        let path = try databasePath()
        // 300 comments pipelined at once: above the default burst, so the rate is lifted (the point
        // here is the stalled reader, not the rate limit).
        let hub = try await SwarmdProcess(
            serve: path, extra: ["--command-rate", "100000", "--principal-rate", "1000000"])
        let admin = try #require(hub.adminToken)
        let port = try #require(hub.port)
        // A socket that sends nothing, and one that stops in the middle of its upgrade's head.
        let idle = try RawConnection(port: port)
        let halfHead = try RawConnection(port: port)
        halfHead.write("GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
        // A subscriber that reads nothing, with a tiny receive buffer, while events pile up for it.
        let stalled = try await RawWebSocket(port: port, token: admin, receiveBuffer: 4096)
        try stalled.send(#"{"type":"subscribe","id":"s","channels":["ticket:T-1"]}"#)
        try await withClient(hub.url) { writer in
            try await writer.hello(admin)
            try await writer.command(openFrame("stalled reader"))
            let body = String(repeating: "x", count: 8000)
            for i in 0..<300 {
                try await writer.send(["type": "comment.add", "id": "c\(i)", "ticket": "T-1", "body": body])
            }
            _ = try await writer.reply(to: "c299", timeout: .seconds(30))
        }
        let stopped = await hub.stop(signal: SIGTERM, within: .seconds(20))
        let result = try #require(stopped, "swarmd did not stop within 20 s of SIGTERM")
        #expect(result.status == 0)
        // The grace is 5 s (measured 5.1–6.0 s, docs/operations.md); the bound leaves room for a busy
        // machine's scheduling (a full CI run measured 8.0 s once): what it catches is a stalled reader
        // holding the stop until the 20 s kill.
        #expect(result.took < .seconds(12), "took \(result.took); the documented close grace is 5 s")
        withExtendedLifetime((stalled, idle, halfHead)) {}
    }

    @Test("revoking a token closes its open connections with 4003 within a second")
    func revocationClosesConnections() async throws {
        let path = try databasePath()
        let hub = try await SwarmdProcess(serve: path)
        let port = try #require(hub.port)
        let alice = try await createToken("alice", db: path)
        let bob = try await createToken("bob", db: path)
        let aliceSocket = try await RawWebSocket(port: port, token: alice)
        let bobSocket = try await RawWebSocket(port: port, token: bob)
        aliceSocket.setReadTimeout(.seconds(5))
        bobSocket.setReadTimeout(.milliseconds(1500))
        guard case .text(let welcome) = try await aliceSocket.read() else { throw TestFailure("no welcome") }
        #expect(welcome.contains("welcome"))
        _ = try await bobSocket.read()
        let revoke = try await SwarmdProcess.run(["token", "revoke", "alice", "--db", path])
        #expect(revoke.status == 0)
        let revoked = ContinuousClock.now
        var code: UInt16?
        while let frame = try await aliceSocket.read() {
            if case .close(let closeCode) = frame {
                code = closeCode
                break
            }
        }
        #expect(code == CloseCode.tokenRevoked)
        #expect(ContinuousClock.now - revoked < .seconds(1), "closed \(ContinuousClock.now - revoked) after the revoke")
        // Bob's connection is untouched: it still answers.
        try bobSocket.send(#"{"type":"ping","id":"p"}"#)
        guard case .text(let pong) = try await bobSocket.read() else {
            throw TestFailure("bob's connection was closed")
        }
        #expect(pong.contains("pong"))
        await hub.stop()
    }

    @Test("the database and its lock are created readable by their owner only, and bad logins are logged")
    func fileModesAndFailedLogins() async throws {
        let path = try databasePath()
        let hub = try await SwarmdProcess(serve: path, extra: ["--log-level", "notice"])
        let port = try #require(hub.port)
        for file in [path, path + ".lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
        let connection = try RawConnection(port: port)
        connection.write(
            "GET /v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer swm_guess\r\nConnection: close\r\n\r\n")
        #expect(await connection.response(timeout: .seconds(5)).text.hasPrefix("HTTP/1.1 401"))
        await #expect(throws: (any Error).self) { try await RawWebSocket(port: port, token: "swm_guess2") }
        let deadline = ContinuousClock.now + .seconds(5)
        while hub.standardError.components(separatedBy: "login failed").count < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = hub.standardError
        #expect(log.components(separatedBy: "login failed").count == 3, "\(log)")
        #expect(log.contains("notice"))
        #expect(log.contains("swarm.remote=[IPv4]127.0.0.1"), "\(log)")
        #expect(!log.contains("swm_guess"), "tokens are never logged")
        await hub.stop()
    }

    @Test("a gap in seq and a corrupt page stop the start with exit status 3 and a message")
    func damagedLogsStopTheStart() async throws {
        let path = try databasePath()
        let hub = try await SwarmdProcess(serve: path)
        let admin = try #require(hub.adminToken)
        try await withClient(hub.url) { client in
            try await client.hello(admin)
            for i in 0..<3 { try await client.command(openFrame("ticket \(i)")) }
        }
        await hub.stop()
        let sqlite = try await SwarmdProcess.runTool("/usr/bin/sqlite3", [path, "DELETE FROM event WHERE seq = 2;"])
        try #require(sqlite == 0, "sqlite3 is needed (scripts/bootstrap-test installs it)")
        let gap = try await SwarmdProcess.run(["serve", "--port", "0", "--db", path], timeout: .seconds(20))
        #expect(gap.status == 3)
        #expect(gap.err.contains("gap in seq: 3 follows 1"), "\(gap.err)")

        let corrupt = try databasePath()
        let second = try await SwarmdProcess(serve: corrupt)
        await second.stop()
        // Overwrite every page after the first with garbage; the header stays, so the file opens.
        let handle = try #require(FileHandle(forWritingAtPath: corrupt))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size) - 4096))
        try handle.close()
        let broken = try await SwarmdProcess.run(["serve", "--port", "0", "--db", corrupt], timeout: .seconds(20))
        #expect(broken.status == 3, "\(broken.err)")
        #expect(broken.err.contains("error: cannot"), "\(broken.err)")
        #expect(!broken.err.contains("Fatal error"))
    }

    @Test("under ulimit -n 1024, 1,100 idle sockets and 100 slowloris upgrades do not lock out /health")
    func descriptorExhaustion() async throws {
        let available = raiseOpenFileLimit()
        try #require(available >= 1400, "the test needs 1400 descriptors, has \(available)")
        let hub = try await SwarmdProcess(serve: try databasePath(), openFiles: 1024)
        let port = try #require(hub.port)
        let start = ContinuousClock.now
        var idle: [RawConnection] = []
        for _ in 0..<1100 { idle.append(try RawConnection(port: port, blocking: false)) }
        var slow: [RawConnection] = []
        for _ in 0..<100 { slow.append(try RawConnection(port: port, blocking: false)) }
        let upgrade = Array(
            "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                .utf8)
        // The health check runs meanwhile, on a connection of its own.
        async let health: (String, Duration) = {
            let asked = ContinuousClock.now
            let connection = try RawConnection(port: port)
            connection.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = await connection.response(timeout: .seconds(20))
            return (answer.text, ContinuousClock.now - asked)
        }()
        // Slowloris: one byte per second on each upgrade.
        var sent = 0
        while ContinuousClock.now - start < .seconds(16), sent < upgrade.count {
            for connection in slow { connection.write([upgrade[sent]]) }
            sent += 1
            try await Task.sleep(for: .seconds(1))
        }
        let (text, took) = try await health
        // The figure docs/operations.md quotes ("Under descriptor exhaustion").
        print("descriptorExhaustion: /health answered \(text.prefix(12)) in \(took)")
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(80))")
        #expect(took < .seconds(15), "/health took \(took)")
        // The slowloris connections were dropped, long before they finished their head.
        var dropped = 0
        for connection in slow.prefix(10) where await connection.readUntilClosed(timeout: .milliseconds(200)).closed {
            dropped += 1
        }
        #expect(dropped == 10)
        withExtendedLifetime(idle) {}
        #expect(await hub.stop(signal: SIGTERM, within: .seconds(20)) != nil, "SIGTERM with the sockets still open")
    }
}

@Suite("Hardening: HTTP and WebSocket edges", .serialized)
struct HardeningWireTests {
    @Test("an idle or slow request head is dropped after the head timeout, with 408")
    func headTimeout() async throws {
        // 2 s, not less: the timer starts when the hub accepts the connection, and in a full test
        // run the event loop it shares with other tests' hubs can be busy for a good part of a second
        // before it reads a request that was sent at once (a 500 ms timeout once answered it 408).
        // The 408 says it was the head timeout that closed the connection; how soon after the 2 s
        // is not asserted beyond the read's own 15 s: in a full CI run the test's task was once
        // resumed 9 s late on a cooperative pool busy with other tests' in-process hubs. That it
        // did not close before the 2 s is asserted.
        try await withHub(configure: { $0.requestHeadTimeout = .seconds(2) }) { hub in
            let idle = try RawConnection(port: hub.port)
            let started = ContinuousClock.now
            let answer = await idle.response(timeout: .seconds(15))
            #expect(answer.closed, "the idle connection is closed within 15 s")
            #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text.prefix(40))")
            #expect(ContinuousClock.now - started >= .milliseconds(1900), "not before the head timeout of 2 s")
            let partial = try RawConnection(port: hub.port)
            partial.write("GET /health HTTP/1.1\r\nHost: x\r\n")
            #expect(await partial.response(timeout: .seconds(15)).closed)
            // A complete request is not affected, nor is the connection after it: a second request
            // on it, well after the head timeout, is answered too (keep-alive).
            let good = try RawConnection(port: hub.port)
            good.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let ok = await good.response(timeout: .seconds(15), untilText: "\"status\":\"ok\"}")
            #expect(ok.text.hasPrefix("HTTP/1.1 200"))
            #expect(!ok.closed, "keep-alive: the head timeout is only for the head")
            try await Task.sleep(for: .seconds(3))
            good.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let again = await good.response(timeout: .seconds(15), untilText: "\"status\":\"ok\"}")
            #expect(again.text.hasPrefix("HTTP/1.1 200"), "\(again.text.prefix(40))")
        }
    }

    @Test(
        "malformed requests are answered and closed",
        arguments: [
            ("FOO / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 501"),
            ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}", "HTTP/1.1 400"),
            ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/1.1 400"),
            ("GET /" + String(repeating: "a", count: 100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 431"),
            ("GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "HTTP/1.1 400"),
        ])
    func malformedRequests(request: String, status: String) async throws {
        try await withHub { hub in
            let connection = try RawConnection(port: hub.port)
            connection.write(request)
            let answer = await connection.response(timeout: .seconds(5))
            #expect(answer.text.hasPrefix(status), "\(answer.text.prefix(60))")
            #expect(answer.closed)
        }
    }

    @Test("2 MB of headers get 431 and a close, not a held connection")
    func hugeHeaders() async throws {
        try await withHub { hub in
            let connection = try RawConnection(port: hub.port)
            connection.write("GET /health HTTP/1.1\r\nHost: x\r\n")
            let line = Array("X-Filler: \(String(repeating: "y", count: 1000))\r\n".utf8)
            for _ in 0..<2000 where connection.write(line) {}
            let answer = await connection.response(timeout: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 431") || answer.closed)
            #expect(answer.closed)
        }
    }

    @Test("a body shorter than its Content-Length is closed after the HTTP idle timeout")
    func shortBody() async throws {
        try await withHub(configure: { $0.httpIdleTimeout = .milliseconds(500) }) { hub in
            let connection = try RawConnection(port: hub.port)
            connection.write("POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"title\"")
            // Closed by the hub's 500 ms idle timeout, well before this wait's 10 s would give up.
            #expect(await connection.response(timeout: .seconds(10)).closed)
        }
    }

    @Test("HEAD /health answers 200 without a body")
    func headHealth() async throws {
        try await withHub { hub in
            let connection = try RawConnection(port: hub.port)
            connection.write("HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = await connection.response(timeout: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
            #expect(!answer.text.contains("\"status\""))
        }
    }

    @Test("an upgrade from a foreign Origin is refused; the hub's own and allowed origins are not")
    func originAllowList() async throws {
        try await withHub(configure: { $0.allowedOrigins = ["https://desk.example.com"] }) { hub in
            let agent = try await hub.token("alice")
            await #expect(throws: (any Error).self) {
                try await RawWebSocket(port: hub.port, token: agent, headers: ["Origin: https://evil.example"])
            }
            await #expect(throws: (any Error).self) {
                try await RawWebSocket(port: hub.port, token: nil, headers: ["Origin: null"])
            }
            _ = try await RawWebSocket(port: hub.port, token: agent, headers: ["Origin: http://127.0.0.1:\(hub.port)"])
            _ = try await RawWebSocket(port: hub.port, token: agent, headers: ["Origin: https://desk.example.com"])
            _ = try await RawWebSocket(port: hub.port, token: agent)
        }
    }

    @Test("a connection may hold at most maxSubscriptions channels")
    func subscriptionCap() async throws {
        try await withHub(configure: { $0.maxSubscriptions = 150 }) { hub in
            let agent = try await hub.token("alice")
            try await withClient(hub.url) { client in
                try await client.hello(agent)
                try await client.command(["type": "subscribe", "channels": (1...100).map { "queue:q\($0)" }])
                // Channels already held do not count twice.
                try await client.command(["type": "subscribe", "channels": (51...150).map { "queue:q\($0)" }])
                let refused = try await client.failing(["type": "subscribe", "channels": ["queue:q151"]])
                #expect(refused.code == .tooLarge)
                #expect(refused.message.contains("at most 150"))
                try await client.command(["type": "unsubscribe", "channels": ["queue:q1"]])
                try await client.command(["type": "subscribe", "channels": ["queue:q151"]])
            }
        }
    }

    @Test("binary frames count against the rate limit, and a binary flood is closed with 4029")
    func binaryFlood() async throws {
        try await withHub { hub in
            let agent = try await hub.token("alice")
            let socket = try await RawWebSocket(port: hub.port, token: agent)
            socket.setReadTimeout(.seconds(10))
            for _ in 0..<600 { try socket.send(opcode: 0x2, [1, 2, 3]) }
            var code: UInt16?
            var limited = 0
            while let frame = try await socket.read() {
                switch frame {
                case .close(let closeCode):
                    code = closeCode
                case .text(let text):
                    if text.contains("rate_limited") { limited += 1 }
                }
                if code != nil { break }
            }
            #expect(limited > 0)
            #expect(code == CloseCode.flood)
        }
    }

    @Test("unmasked client frames fail with 1002 and invalid UTF-8 with 1007 (RFC 6455)")
    func webSocketConformance() async throws {
        try await withHub { hub in
            let agent = try await hub.token("alice")
            let unmasked = try await RawWebSocket(port: hub.port, token: agent)
            unmasked.setReadTimeout(.seconds(5))
            _ = try await unmasked.read()  // welcome
            try unmasked.send(opcode: 0x1, Array(#"{"type":"ping","id":"p"}"#.utf8), masked: false)
            #expect(try await closeCode(of: unmasked) == 1002)

            let badText = try await RawWebSocket(port: hub.port, token: agent)
            badText.setReadTimeout(.seconds(5))
            _ = try await badText.read()
            try badText.send(opcode: 0x1, [0x7b, 0xff, 0xfe, 0x7d])
            #expect(try await closeCode(of: badText) == 1007)
        }
    }

    @Test("an upgrade without a key or with another version is refused with 400 or 426")
    func badUpgrades() async throws {
        try await withHub { hub in
            for request in [
                "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
                "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
            ] {
                let connection = try RawConnection(port: hub.port)
                connection.write(request)
                let answer = await connection.response(timeout: .seconds(5))
                #expect(
                    answer.text.hasPrefix("HTTP/1.1 400") || answer.text.hasPrefix("HTTP/1.1 426"),
                    "\(answer.text.prefix(60))")
            }
        }
    }

    @Test("an Idempotency-Key is scoped to its endpoint")
    func idempotencyKeyPerEndpoint() async throws {
        try await withHub { hub in
            let agent = try await hub.token("alice")
            let key = ["Idempotency-Key": "shared-key"]
            let ticket = try await http(
                "POST", hub.httpBase + "/v1/tickets", token: agent, body: openBody, headers: key)
            #expect(ticket.status == 201)
            let article = try await http(
                "POST", hub.httpBase + "/v1/kb", token: agent, body: #"{"title":"VPN drops","body":"Reconnect."}"#,
                headers: key)
            #expect(article.status == 201, "\(article.json)")
            #expect(hub.ledger.snapshot.state.articles.count == 1)
            // The same key on the same endpoint is still a retry.
            let retry = try await http("POST", hub.httpBase + "/v1/tickets", token: agent, body: openBody, headers: key)
            #expect(retry.json["ticket"] as? [String: Any] != nil)
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
        }
    }

    @Test("lenient JSON and hostile text are refused with an error that names the problem")
    func strictInput() async throws {
        try await withHub { hub in
            let agent = try await hub.token("alice")
            try await withClient(hub.url) { client in
                try await client.hello(agent)
                try await client.command(openFrame("baseline"))
                let before = hub.ledger.snapshot.seq
                let open = #""description":"d","category":"other","urgency":"low","impact":"low""#
                let marks = "a" + String(repeating: "\u{0301}", count: 20_000)
                let cases: [(String, ErrorCode, String)] = [
                    (
                        #"{"type":"comment.add","id":"d1","ticket":"T-1","body":"a","body":"b"}"#, .invalidField,
                        "'body' appears more than once"
                    ),
                    (#"{"type":"comment.add","id":"d2","ticket":"T-1","body":"a",}"#, .badFrame, "trailing comma"),
                    (#"{"type":"subscribe","id":"d3","channels":["ticket:T-1",]}"#, .badFrame, "trailing comma"),
                    ("\u{FEFF}" + #"{"type":"ping","id":"d4"}"#, .badFrame, "byte-order mark"),
                    (
                        #"{"type":"subscribe","id":"d5","channels":["ticket:T-1"],"since":99999999999999999999}"#,
                        .invalidField, "'since' is out of range"
                    ),
                    (
                        #"{"type":"ticket.open","id":"d6","title":"a\u0000b","# + open + "}", .invalidField,
                        "control characters"
                    ),
                    (
                        #"{"type":"ticket.open","id":"d7","title":"\u001b[2Jgotcha","# + open + "}", .invalidField,
                        "control characters"
                    ),
                    (
                        #"{"type":"comment.add","id":"d8","ticket":"T-1","body":"x\u001b]0;pwned\u0007"}"#,
                        .invalidField, "control characters"
                    ),
                    (#"{"type":"comment.add","id":"d9","ticket":"T-1","body":"\#(marks)"}"#, .invalidField, "bytes"),
                    (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), .badFrame, "nested"),
                ]
                for (text, code, words) in cases {
                    try await client.sendText(text)
                    guard case .error(let error) = try await client.next() else {
                        Issue.record("expected an error for \(text.prefix(80))")
                        continue
                    }
                    #expect(error.code == code, "\(text.prefix(80)): \(error.message)")
                    #expect(error.message.contains(words), "\(text.prefix(80)): \(error.message)")
                }
                // Newlines and tabs in a comment are fine.
                try await client.command(["type": "comment.add", "ticket": "T-1", "body": "line 1\n\tline 2"])
                #expect(hub.ledger.snapshot.seq == before + 1)
            }
            let rest = try await http(
                "POST", hub.httpBase + "/v1/tickets", token: agent,
                body: #"{"title":"a","title":"b","description":"d","category":"other","urgency":"low","impact":"low"}"#)
            #expect(rest.status == 400)
            #expect(
                (rest.json["error"] as? [String: Any])?["message"] as? String == "field 'title' appears more than once")
        }
    }

    @Test("the dashboard and the portal forbid framing and foreign scripts")
    func contentSecurityPolicy() async throws {
        try await withHub { hub in
            for page in ["/dashboard", "/portal", "/dashboard/dashboard.js", "/", "/home.css"] {
                let connection = try RawConnection(port: hub.port)
                connection.write("GET \(page) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let head = await connection.response(timeout: .seconds(5)).text.lowercased()
                #expect(head.hasPrefix("http/1.1 200"), "\(page)")
                #expect(head.contains("content-security-policy: default-src 'none'; script-src 'self'"), "\(page)")
                #expect(head.contains("frame-ancestors 'none'"), "\(page)")
                #expect(head.contains("x-frame-options: deny"), "\(page)")
            }
        }
    }

    func closeCode(of socket: RawWebSocket) async throws -> UInt16? {
        while let frame = try await socket.read() {
            if case .close(let code) = frame { return code }
        }
        return nil
    }
}

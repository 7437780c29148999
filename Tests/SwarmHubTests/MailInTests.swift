import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Mail in: POST /v1/mail turns a message into a ticket or a reply, and refuses quietly")
struct MailInTests {
    func withMailHub(_ body: (TestHub, String) async throws -> Void) async throws {
        try await withHub(configure: { $0.mailDomains = ["customer.example"] }) { hub in
            try await body(hub, try await hub.token("postfix", .mailgate))
        }
    }

    func message(
        from: String = "Rita Reuter <rita@customer.example>", subject: String = "Drucker druckt nicht",
        id: String = "<m1@mail.customer.example>", headers: [String] = [], body: String = "Seit heute früh nicht."
    ) -> String {
        ([
            "From: \(from)", "To: it@it.example", "Subject: \(subject)", "Message-ID: \(id)",
            "Date: Mon, 7 Dec 2026 09:00:00 +0100", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
        ]
            + headers + ["", body, ""]).joined(separator: "\n")
    }

    func post(_ hub: TestHub, token: String, _ message: String, type: String = "message/rfc822") async throws
        -> (status: Int, outcome: MailOutcome?)
    {
        var request = URLRequest(url: URL(string: hub.httpBase + "/v1/mail")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(message.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, try? JSONDecoder().decode(MailOutcome.self, from: data))
    }

    @Test("a new mail opens a ticket for its sender; the same Message-ID again has no second effect")
    func opens() async throws {
        try await withMailHub { hub, gate in
            let first = try await post(hub, token: gate, message())
            #expect(first.status == 202)
            #expect(first.outcome == MailOutcome(.opened, ticket: "T-1"))
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.requester == "rita@customer.example" && ticket.via == .email)
            #expect(ticket.title == "Drucker druckt nicht" && ticket.description.contains("Seit heute früh"))
            #expect(ticket.language == "de", "detected from her words")
            let again = try await post(hub, token: gate, message())
            #expect(again.outcome == MailOutcome(.opened, ticket: "T-1"))
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
            // A mail that says its language sets the ticket's.
            let english = try await post(
                hub, token: gate,
                message(
                    subject: "VPN", id: "<m9@mail.customer.example>", headers: ["Content-Language: en-GB"], body: "VPN")
            )
            #expect(english.outcome == MailOutcome(.opened, ticket: "T-2"))
            #expect(hub.ledger.snapshot.state.tickets["T-2"]?.language == "en")
        }
    }

    @Test(
        "a reply by the requester is her public comment, without the quoted text; a reply to a resolved ticket reopens it"
    )
    func replies() async throws {
        try await withMailHub { hub, gate in
            _ = try await post(hub, token: gate, message())
            let reply = message(
                subject: "Re: [T-1] Drucker druckt nicht", id: "<m2@mail.customer.example>",
                headers: ["In-Reply-To: <m1@mail.customer.example>"],
                body: "Jetzt geht es wieder.\n\nOn Mon, 7 Dec 2026, IT wrote:\n> Bitte neu starten.")
            let answered = try await post(hub, token: gate, reply)
            #expect(answered.outcome == MailOutcome(.commented, ticket: "T-1"))
            let comment = try #require(hub.ledger.snapshot.state.tickets["T-1"]?.comments.last)
            #expect(comment.author == "rita@customer.example" && comment.visibility == .public)
            #expect(comment.body == "Jetzt geht es wieder.")
            let alice = Principal(id: "alice", role: .agent)
            _ = try await hub.ledger.submit(
                .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "done"))), by: alice,
                id: "s1"
            ).get()
            let again = message(subject: "Re: [T-1] Drucker", id: "<m3@mail.customer.example>", body: "Doch nicht.")
            #expect(try await post(hub, token: gate, again).outcome == MailOutcome(.commented, ticket: "T-1"))
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.status == .open)
        }
    }

    @Test("automatic mail is ignored, strangers and others' replies are rejected, and nothing changes")
    func refusals() async throws {
        try await withMailHub { hub, gate in
            _ = try await post(hub, token: gate, message())
            let seq = hub.ledger.snapshot.seq
            let auto = try await post(
                hub, token: gate, message(id: "<a1@x>", headers: ["Auto-Submitted: auto-replied"]))
            #expect(auto.outcome?.outcome == .ignored)
            let stranger = try await post(hub, token: gate, message(from: "eve@elsewhere.example", id: "<e1@x>"))
            #expect(stranger.outcome?.outcome == .rejected)
            let other = try await post(
                hub, token: gate,
                message(from: "bob@customer.example", subject: "Re: [T-1] Drucker", id: "<b1@x>", body: "Ich auch"))
            #expect(other.outcome == MailOutcome(.rejected, reason: "bob@customer.example is not the requester of T-1"))
            let garbage = try await post(hub, token: gate, "not a message at all")
            #expect(garbage.status == 202 && garbage.outcome?.outcome == .rejected)
            #expect(hub.ledger.snapshot.seq == seq, "nothing was logged")
        }
    }

    @Test("a mailgate token reaches POST /v1/mail only, and only a mailgate token delivers mail")
    func mailgateRole() async throws {
        try await withMailHub { hub, gate in
            let lead = try await hub.token("lena", .lead)
            #expect(try await post(hub, token: lead, message()).status == 403)
            #expect(try await post(hub, token: gate, message(), type: "text/plain").status == 400)
            let list = try await fetchText(hub.httpBase + "/v1/tickets", token: gate)
            #expect(list.status == 403)
            try await withClient(hub.url) { client in
                try await client.send(["type": "hello", "id": "h", "token": gate])
                guard case .error(let error) = try await client.next() else {
                    Issue.record("a mailgate hello must be refused")
                    return
                }
                #expect(error.code == .forbidden)
            }
        }
    }

    /// A delivery report from Postfix about mail the hub sent about T-1 to `failed`.
    func report(about ticket: String, failed: String, id: String = "<dsn1@mx.it.example>") -> String {
        """
        From: MAILER-DAEMON@mx.it.example (Mail Delivery System)
        To: it@swarmd.invalid
        Subject: Undelivered Mail Returned to Sender
        Auto-Submitted: auto-replied
        Message-ID: \(id)
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"

        --b
        Content-Type: text/plain

        Your message could not be delivered.
        --b
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.it.example

        Final-Recipient: rfc822; \(failed)
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: smtp; 550 5.1.1 User unknown

        --b
        Content-Type: text/rfc822-headers

        From: IT <it@swarmd.invalid>
        Subject: [\(ticket)] Drucker druckt nicht
        Message-ID: <\(ticket).1@swarmd.invalid>

        --b--

        """
    }

    @Test("a delivery report marks the requester's address as bouncing on the ticket, for agents only, once")
    func bounces() async throws {
        try await withMailHub { hub, gate in
            _ = try await post(hub, token: gate, message())
            let seq = hub.ledger.snapshot.seq
            let stranger = try await post(hub, token: gate, report(about: "T-1", failed: "eve@elsewhere.example"))
            #expect(stranger.outcome?.outcome == .ignored && hub.ledger.snapshot.seq == seq, "not her address")
            let bounce = try await post(
                hub, token: gate, report(about: "T-1", failed: "rita@customer.example", id: "<dsn2@mx.it.example>"))
            #expect(bounce.status == 202)
            #expect(bounce.outcome?.outcome == .ignored && bounce.outcome?.ticket == "T-1")
            let again = try await post(
                hub, token: gate, report(about: "T-1", failed: "rita@customer.example", id: "<dsn2@mx.it.example>"))
            #expect(again.outcome?.ticket == "T-1")
            #expect(hub.ledger.snapshot.seq == seq + 1, "one mail.bounced, once")
            let lead = try await hub.token("lena", .lead)
            let events = try await fetchText(hub.httpBase + "/v1/tickets/T-1/events", token: lead)
            #expect(events.body.contains(#""type":"mail.bounced""#) && events.body.contains(#""status":"5.1.1""#))
            #expect(events.body.contains(#""address":"rita@customer.example""#))
            // Rita signs in to the portal by the same name: her ticket's events leave the bounce out.
            let rita = try await hub.token("rita@customer.example", .requester)
            let hers = try await fetchText(hub.httpBase + "/v1/tickets/T-1/events", token: rita)
            #expect(hers.status == 200 && hers.body.contains("ticket.opened") && !hers.body.contains("mail.bounced"))
            let metrics = try await fetchText(hub.httpBase + "/metrics", token: lead).body
            #expect(metrics.contains(#"swarm_mail_in_total{outcome="ignored"} 3"#), "\(metrics)")
            #expect(metrics.contains(#"swarm_mail_in_total{outcome="opened"} 1"#))
        }
    }

    @Test("a reply to a closed ticket opens a follow-up, or reopens it where the queue's closed_reply says so")
    func closedReplies() async throws {
        let agent = Principal(id: "alice", role: .agent)
        func close(_ hub: TestHub, _ ticket: String) async throws {
            for (step, status) in [TicketStatus.resolved, .closed].enumerated() {
                _ = try await hub.ledger.submit(
                    .client(.ticketStatus(StatusChange(ticket: ticket, status: status, resolution: "done"))),
                    by: agent, id: "close-\(ticket)-\(step)"
                ).get()
            }
        }
        let answer = message(subject: "Re: [T-1] Drucker", id: "<late@mail.customer.example>", body: "Schon wieder.")
        try await withMailHub { hub, gate in
            _ = try await post(hub, token: gate, message())
            try await close(hub, "T-1")
            #expect(try await post(hub, token: gate, answer).outcome == MailOutcome(.opened, ticket: "T-2"))
            let follow = try #require(hub.ledger.snapshot.state.tickets["T-2"])
            #expect(follow.description.hasPrefix("Follow-up to T-1, which is closed."))
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.status == .closed)
        }
        try await withHub(configure: {
            $0.mailDomains = ["customer.example"]
            var policy = QueuePolicy()
            policy.closedReply = .reopen
            $0.swarm.queues["general"] = policy
        }) { hub in
            let gate = try await hub.token("postfix", .mailgate)
            _ = try await post(hub, token: gate, message())
            try await close(hub, "T-1")
            #expect(try await post(hub, token: gate, answer).outcome == MailOutcome(.commented, ticket: "T-1"))
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.status == .open && ticket.comments.last?.body == "Schon wieder.")
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
            // The same message again: no second comment, no second reopening.
            #expect(try await post(hub, token: gate, answer).outcome == MailOutcome(.commented, ticket: "T-1"))
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.comments.count == 1)
        }
    }

    /// The reader's corpus (Tests/SwarmMailTests/corpus), read from the source tree.
    static func corpus() throws -> [[UInt8]] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SwarmMailTests/corpus")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }.sorted()
            .map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    @Test("400 mutated messages to POST /v1/mail: a 202 with an outcome each, and each outcome whole or nothing")
    func fuzz() async throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 10)
        try await withHub(configure: {
            $0.mailDomains = ["example.de", "example.com", "gmail.com", "customer.example", "legacy.example"]
        }) { hub in
            let gate = try await hub.token("postfix", .mailgate)
            var random = MessageMutator.SeededRandom(state: 2026)
            var outcomes: [MailOutcome.Outcome: Int] = [:]
            for run in 0..<400 {
                var bytes = MessageMutator.mutate(corpus[run % corpus.count], &random)
                if random.next() % 3 == 0 { bytes = MessageMutator.mutate(bytes, &random) }
                let before = hub.ledger.snapshot
                let answer = try await post(hub, token: gate, String(decoding: bytes, as: UTF8.self))
                let after = hub.ledger.snapshot
                #expect(answer.status == 202, "run \(run)")
                guard let outcome = answer.outcome else {
                    Issue.record("run \(run): no outcome")
                    continue
                }
                outcomes[outcome.outcome, default: 0] += 1
                let new = after.state.tickets.count - before.state.tickets.count
                switch outcome.outcome {
                case .opened:
                    let number = try #require(outcome.ticket)
                    #expect(after.state.tickets[number] != nil, "run \(run)")
                    #expect(new <= 1, "run \(run)")
                case .commented:
                    let number = try #require(outcome.ticket)
                    #expect(new == 0, "run \(run)")
                    #expect(
                        (after.state.tickets[number]?.comments.count ?? 0)
                            >= (before.state.tickets[number]?.comments.count ?? 0), "run \(run)")
                case .ignored, .rejected:
                    #expect(new == 0, "run \(run): \(outcome)")
                    let comments = { (state: SwarmState) in state.tickets.values.reduce(0) { $0 + $1.comments.count } }
                    #expect(comments(after.state) == comments(before.state), "run \(run): \(outcome)")
                }
            }
            #expect(outcomes[.opened, default: 0] > 20 && outcomes[.ignored, default: 0] > 20, "\(outcomes)")
            let health = try await fetchText(hub.httpBase + "/health", token: gate)
            #expect(health.status == 200)
        }
    }
}

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
            let again = try await post(hub, token: gate, message())
            #expect(again.outcome == MailOutcome(.opened, ticket: "T-1"))
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
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
}

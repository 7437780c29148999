import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmStore
import Testing

@testable import SwarmHub

@Suite("Webhooks, pure: which hook carries what, in which words and format, signed how")
struct WebhookPlanTests {
    let rita = Principal(id: "rita@customer.example", role: .requester)
    let alice = Principal(id: "alice", role: .agent)
    let settings = SwarmSettings(taxonomy: .standard)

    func hook(
        _ name: String, _ format: WebhookFormat = .json, events: Set<EventType> = WebhookConfiguration.defaultEvents,
        channels: Set<String> = [], internalNotes: Bool = false
    ) -> WebhookConfiguration {
        WebhookConfiguration(
            name: name, url: try! WebhookURL(parsing: "http://127.0.0.1:9/\(name)"), format: format,
            secret: Array("swarm-webhook-secret".utf8), events: events, channels: channels,
            internalNotes: internalNotes)
    }

    /// Decides and applies `commands` in turn, each event with its seq and its channels, as the ledger does.
    func run(_ commands: [(Command, Principal)]) throws -> (SwarmState, [StoredEvent]) {
        var state = SwarmState()
        var log: [StoredEvent] = []
        for (index, (command, principal)) in commands.enumerated() {
            let at = Timestamp(milliseconds: 1_000 * Int64(index + 1))
            for event in try state.decide(command, by: principal, at: at, settings: settings) {
                let context = state.routingContext(for: event)
                state.apply(event)
                let channels = state.channels(for: event, context: context).map(\.description)
                log.append(StoredEvent(seq: Int64(log.count + 1), channels: channels, event: event, json: "{}"))
            }
        }
        return (state, log)
    }

    func comment(_ body: String, _ visibility: CommentVisibility? = nil) -> Command {
        .client(.commentAdd(CommentAdd(ticket: "T-1", body: body, visibility: visibility)))
    }

    /// A day on T-1: Rita opens it, Alice joins, notes, replies, Rita answers, Alice resolves it.
    func day() throws -> (SwarmState, [StoredEvent]) {
        try run([
            (
                .client(
                    .ticketOpen(
                        TicketOpen(
                            title: "VPN bricht ab", description: "Seit heute früh, Tel. 0171 2345678",
                            category: .network, urgency: .high, impact: .low))), rita
            ),
            (.client(.swarmJoin(TicketRef(ticket: "T-1"))), alice),
            (comment("Intern: Tunnel-MTU prüfen"), alice),
            (comment("Please restart the client.", .public), alice),
            (comment("Done, still broken."), rita),
            (.client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "MTU 1400"))), alice),
        ])
    }

    func planned(_ hooks: [WebhookConfiguration]) throws -> [PlannedWebhook] {
        let (state, log) = try day()
        return try log.flatMap { try WebhookPlan.deliveries(for: $0, in: state, hooks: hooks, epoch: "e") }
    }

    @Test("a hook carries its event types on its channels; internal notes only to a hook that opts in")
    func carried() throws {
        let deliveries = try planned([
            hook("team"),
            hook("alice", events: [.commentAdded], channels: ["agent:alice"]),
            hook("notes", events: [.commentAdded], internalNotes: true),
            hook("sla", events: [.slaWarning, .slaBreached], channels: ["sla"]),
        ])
        func carried(by name: String) -> [String] {
            deliveries.filter { $0.hook == name }.map { "\($0.event.rawValue)@\($0.seq)" }
        }
        let (_, log) = try day()
        let seq = { (type: EventType, nth: Int) in log.filter { $0.event.type == type }[nth].seq }
        #expect(
            carried(by: "team") == [
                "ticket.opened@\(seq(.ticketOpened, 0))", "status.changed@\(seq(.statusChanged, 0))",
                "comment.added@\(seq(.commentAdded, 1))", "comment.added@\(seq(.commentAdded, 2))",
                "status.changed@\(seq(.statusChanged, 1))",
            ], "the default events (Alice's join moved it in progress), no internal note")
        #expect(
            carried(by: "alice") == [
                "comment.added@\(seq(.commentAdded, 1))", "comment.added@\(seq(.commentAdded, 2))",
            ],
            "what reaches her channel: the reply and Rita's answer on the ticket she swarms")
        #expect(carried(by: "notes").count == 3, "the internal note too")
        #expect(carried(by: "sla").isEmpty)
        #expect(Set(deliveries.map(\.id)).count == deliveries.count)
        #expect(deliveries.allSatisfy { $0.id == "e.\($0.seq).\($0.hook)" && $0.ticket == "T-1" })
        // Planned again, the same events give the same deliveries, byte for byte.
        #expect(try planned([hook("team")]) == deliveries.filter { $0.hook == "team" })
    }

    @Test("what a hook carries of an event: no description, a requester's address as its domain, texts cut")
    func view() throws {
        let (_, log) = try day()
        let opened = try #require(WebhookPlan.view(of: log[0].event, requester: rita.id, internalNotes: false))
        guard case .ticketOpened(let ticket) = opened.payload else { Issue.record("not opened"); return }
        #expect(ticket.description.isEmpty && ticket.requester == "…@customer.example")
        #expect(opened.actor == "…@customer.example" && ticket.title == "VPN bricht ab")
        let note = try #require(log.first { $0.event.type == .commentAdded })
        #expect(WebhookPlan.view(of: note.event, requester: rita.id, internalNotes: false) == nil)
        #expect(WebhookPlan.view(of: note.event, requester: rita.id, internalNotes: true) != nil)
        let long = SwarmEvent(
            ticket: "T-1", actor: "alice", at: Timestamp(milliseconds: 1),
            payload: .commentAdded(
                Comment(
                    number: 9, author: "alice", body: String(repeating: "x", count: 900), at: .init(milliseconds: 1))))
        guard case .commentAdded(let cut) = WebhookPlan.view(of: long, requester: nil, internalNotes: true)?.payload
        else { Issue.record("not a comment"); return }
        #expect(cut.body.count == 500 && cut.body.hasSuffix("…"))
        let bounce = SwarmEvent(
            ticket: "T-1", actor: "swarmd", at: Timestamp(milliseconds: 1),
            payload: .mailBounced(address: "rita@customer.example", status: "5.1.1", diagnostic: "rita unknown"))
        #expect(
            WebhookPlan.view(of: bounce, requester: rita.id, internalNotes: true)?.payload
                == .mailBounced(address: "…@customer.example", status: "5.1.1", diagnostic: nil))
        // The JSON body carries the view, never the description nor the address.
        let body = try planned([hook("json")]).map { String(decoding: $0.body, as: UTF8.self) }.joined()
        #expect(!body.contains("0171") && !body.contains("rita@") && body.contains("…@customer.example"))
    }

    @Test("each format's body, with the same line in words")
    func formats() throws {
        let (state, log) = try day()
        let reply = try #require(
            log.first { if case .commentAdded(let c) = $0.event.payload { c.visibility == .public } else { false } })
        func body(_ format: WebhookFormat) throws -> [String: Any] {
            let deliveries = try WebhookPlan.deliveries(
                for: reply, in: state, hooks: [hook(format.rawValue, format)], epoch: "e")
            let bytes = try #require(deliveries.first?.body)
            return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        }
        let line = #"[T-1] VPN bricht ab — alice: "Please restart the client." (public reply)"#
        #expect(try body(.slack) as NSDictionary == ["text": line] as NSDictionary)
        let teams = try body(.teams)
        #expect(teams["type"] as? String == "message" && teams["summary"] as? String == line)
        let attachment = try #require((teams["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard" && card["$schema"] != nil)
        let blocks = try #require(card["body"] as? [[String: Any]])
        #expect(blocks.first?["text"] as? String == "[T-1] VPN bricht ab")
        let matrix = try body(.matrix)
        #expect(matrix["msgtype"] as? String == "m.text" && matrix["body"] as? String == line)
        #expect(matrix["text"] as? String == line && matrix["format"] as? String == "org.matrix.custom.html")
        #expect(
            matrix["formatted_body"] as? String
                == "<b>[T-1] VPN bricht ab</b> — alice: &quot;Please restart the client.&quot; (public reply)")
        let json = try body(.json)
        #expect(json["hook"] as? String == "json" && json["delivery"] as? String == "e.\(reply.seq).json")
        #expect(json["seq"] as? Int == Int(reply.seq) && json["type"] as? String == "comment.added")
        #expect(json["text"] as? String == line)
        #expect((json["ticket"] as? [String: Any])?["priority"] as? String == "P3")
        // The event is the protocol's own encoding: it decodes as a SwarmEvent.
        let event = try JSONSerialization.data(withJSONObject: try #require(json["event"]))
        #expect(try JSONDecoder().decode(SwarmEvent.self, from: event) == reply.event)
        // Slack's control characters are escaped.
        #expect(WebhookPayload.slackEscaped("a <b> & c") == "a &lt;b&gt; &amp; c")
    }

    @Test("the signature is HMAC-SHA256 of '<timestamp>.<body>' as any HMAC library computes it")
    func signature() {
        // python3 -c "import hmac,hashlib; print(hmac.new(b'swarm-webhook-secret',
        //     b'1767225600.{\"text\":\"hi\"}', hashlib.sha256).hexdigest())"
        #expect(
            WebhookSignature.sign(
                Array(#"{"text":"hi"}"#.utf8), timestamp: 1_767_225_600, secret: Array("swarm-webhook-secret".utf8))
                == "sha256=abe3439790d12cb39af2df89568c91072296e40c10f0092752aea9e3820aa255")
    }

    @Test("retries wait 10 s, doubling to an hour, and stop after three days")
    func schedule() {
        let retry = RetrySchedule.webhook
        #expect((1...5).map { retry.wait(afterAttempt: $0) } == [10_000, 20_000, 40_000, 80_000, 160_000])
        #expect(retry.wait(afterAttempt: 12) == 3_600_000 && retry.wait(afterAttempt: 500) == 3_600_000)
        let planned = Timestamp(milliseconds: 0)
        #expect(!retry.givesUp(planned: planned, now: Timestamp(milliseconds: 3 * 86_400_000 - 1)))
        #expect(retry.givesUp(planned: planned, now: Timestamp(milliseconds: 3 * 86_400_000)))
        #expect(RetrySchedule.mail.wait(afterAttempt: 1) == 30_000, "the mailer's schedule is unchanged")
    }
}

import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@Suite("Queue configuration file")
struct QueueConfigurationTests {
    @Test("the example in the repository parses to what its comments say")
    func example() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/swarmd.example.yaml").path
        let configuration = try QueueConfiguration.load(path: path)
        #expect(
            configuration.queues.mapValues(\.mode) == [
                "general": .swarm, "helpdesk": .tiered, "office": .hybrid, "network": .swarm,
            ])
        #expect(configuration.queues["office"]?.tierLimits == [1: 30 * 60_000, 2: 4 * 3_600_000])
        // office sets its own tier-1 limit: it beats the P1 limit it would inherit from defaults.
        #expect(configuration.queues["office"]?.priorityLimits[.p1] == [2: 3_600_000])
        #expect(configuration.queues["helpdesk"]?.priorityLimits[.p1] == [1: 5 * 60_000, 2: 3_600_000])
        #expect(configuration.queues["network"]?.invitations == 5)
        #expect(configuration.defaultQueue.invitations == 3)
        #expect(configuration.queues["helpdesk"]?.closedReply == .reopen)
        #expect(configuration.queues["office"]?.closedReply == .newTicket)
        #expect(
            configuration.queues["helpdesk"]?.followWork == false && configuration.queues["office"]?.followWork == true)
        #expect(
            configuration.categories == [
                .hardware: "helpdesk", .access: "helpdesk", .software: "office", .network: "network",
            ])
        var settings = SwarmSettings()
        configuration.apply(to: &settings)
        #expect(settings.tierLimit(queue: "helpdesk", tier: 1, priority: .p1) == Int64(5 * 60_000))
        #expect(settings.tierLimit(queue: "helpdesk", tier: 1, priority: .p3) == Int64(15 * 60_000))
        #expect(settings.tierLimit(queue: "unlisted", tier: 2, priority: .p3) == Int64(4 * 3_600_000))
        #expect(settings.invitationCount(queue: "network", priority: .p3) == 5)
        #expect(
            configuration.defaultQueue.sla?.businessHours
                == BusinessHours(
                    days: [1, 2, 3, 4, 5], start: 8 * 60, end: 18 * 60, utcOffsetMinutes: 60))
        #expect(
            configuration.queues["helpdesk"]?.sla?.targets[.p1]
                == SLATargets(firstResponse: 10 * 60_000, resolution: 4 * 3_600_000))
        #expect(configuration.queues["helpdesk"]?.sla?.targets[.p4] == SLAPolicy.standard.targets[.p4])
        #expect(try QueueConfiguration.parse("", file: "empty.yaml") == QueueConfiguration())
        #expect(try QueueConfiguration.parse("defaults:\n  sla: {}\n", file: "s.yaml").defaultQueue.sla == .standard)
    }

    @Test(
        "a bad file is refused with its line and what is wrong",
        arguments: [
            (
                "queues:\n  helpdesk:\n    mode: tired\n",
                "q.yaml:3: queues.helpdesk.mode: 'tired' is not one of: swarm, tiered, hybrid"
            ),
            (
                "queues:\n  helpdesk:\n    mode: tiered\n    tiers:\n      4: 1h\n",
                "q.yaml:5: queues.helpdesk.tiers: '4' is not a tier"
            ),
            (
                "queues:\n  helpdesk:\n    tiers:\n      3: 1d\n",
                "q.yaml:4: queues.helpdesk.tiers: '3' is not a tier with a time limit (1 or 2"
            ),
            (
                "queues:\n  helpdesk:\n    tiers:\n      1: soon\n",
                "q.yaml:4: queues.helpdesk.tiers.1: 'soon' is not a duration"
            ),
            ("queues:\n  Help Desk:\n    mode: tiered\n", "q.yaml:2: queues: 'Help Desk' is not a queue name"),
            ("sla:\n  P1: 4h\n", "q.yaml:1: the file: unknown key 'sla'"),
            ("defaults:\n  mode: tiered\n", "q.yaml:2: defaults: unknown key 'mode'"),
            (
                "queues:\n  a:\n    closed_reply: reply\n",
                "q.yaml:3: queues.a.closed_reply: 'reply' is not one of: reopen, new_ticket"
            ),
            ("categories:\n  coffee: helpdesk\n", "q.yaml:2: categories: unknown category 'coffee'"),
            (
                "queues:\n  a:\n    invitations: 50\n",
                "q.yaml:3: queues.a.invitations: '50' is not a count from 1 to 20"
            ),
            (
                "queues:\n  a:\n    priorities:\n      P9: {1: 5m}\n",
                "q.yaml:4: queues.a.priorities: 'P9' is not a priority"
            ),
            ("queues:\n  a: {mode: swarm\n", "q.yaml:3: not valid YAML"),
            (
                "queues:\n  a:\n    mode: swarm\n  a:\n    mode: tiered\n",
                "q.yaml:2: not valid YAML: this mapping has a key more than once: 'a'"
            ),
            ("- just\n- a list\n", "q.yaml:1: the file must be a mapping"),
            (
                "defaults:\n  sla:\n    P1: {first_response: fast}\n",
                "q.yaml:3: defaults.sla.P1.first_response: 'fast' is not a duration"
            ),
            (
                "defaults:\n  sla:\n    business_hours: {days: [monday, funday]}\n",
                "q.yaml:3: defaults.sla.business_hours.days: 'funday' is not a weekday"
            ),
            (
                "defaults:\n  sla:\n    business_hours: {start: '18:00', end: '08:00'}\n",
                "q.yaml:3: defaults.sla.business_hours: start must be before end"
            ),
            (
                "defaults:\n  sla:\n    business_hours: {utc_offset: '1'}\n",
                "q.yaml:3: defaults.sla.business_hours.utc_offset: '1' is not an offset"
            ),
            (
                "defaults:\n  sla:\n    business_hours: {days: [monkey]}\n",
                "q.yaml:3: defaults.sla.business_hours.days: 'monkey' is not a weekday"
            ),
            (
                "defaults:\n  sla:\n    business_hours: {utc_offset: '+-01:00'}\n",
                "q.yaml:3: defaults.sla.business_hours.utc_offset: '+-01:00' is not an offset"
            ),
        ])
    func badFiles(text: String, expected: String) {
        do {
            _ = try QueueConfiguration.parse(text, file: "q.yaml")
            Issue.record("should be refused: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }
}

@Suite("Live hub: tiered and hybrid queues")
struct TiersHubTests {
    static func configure(_ modes: [String: RoutingMode]) -> (inout HubConfiguration) -> Void {
        { configuration in
            for (queue, mode) in modes {
                var policy = QueuePolicy()
                policy.mode = mode
                configuration.swarm.queues[queue] = policy
            }
            configuration.swarm.backlogAfter = 30 * 86_400_000
            configuration.timerPoll = .seconds(3600)  // the test fires the timer itself
        }
    }

    @Test("a tiered ticket left at tier 1 escalates across a restart, exactly once; queue modes are logged")
    func escalationAcrossRestart() async throws {
        let clock = ManualClock()
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let tiered = Self.configure(["helpdesk": .tiered])
        try await withHub(databasePath: path, clock: clock.hubClock, configure: tiered) { hub in
            let (tom, tina, lena, rita) = (
                try await hub.token("tom"), try await hub.token("tina"), try await hub.token("lena", .lead),
                try await hub.token("rita", .requester)
            )
            for token in [tom, tina] { try await withClient(hub.url) { try await $0.hello(token) } }
            try await withClient(hub.url) { lead in
                try await lead.hello(lena)
                try await lead.command(["type": "tiers.set", "agent": "tom", "tiers": [1]])
                try await lead.command(["type": "tiers.set", "agent": "tina", "tiers": [2]])
                let nobody = try await lead.failing(["type": "tiers.set", "agent": "ghost", "tiers": [1]])
                #expect(nobody.code == .notFound)
            }
            try await withClient(hub.url) { c in
                try await c.hello(rita)
                try await c.command([
                    "type": "ticket.open", "title": "Printer offline", "description": "", "category": "hardware",
                    "urgency": "medium", "impact": "medium", "queue": "helpdesk",
                ])
            }
            let ticket = hub.ledger.snapshot.state.tickets["T-1"]
            #expect(ticket?.tier == 1)
            #expect(ticket?.assignee == "tom")
            let configured = try await hub.store.events(onChannels: ["queue:helpdesk"], after: 0, through: 1_000)
            #expect(configured.first?.event.payload == .queueConfigured(queue: "helpdesk", mode: .tiered))
        }
        // Down for 16 minutes: the tier-1 limit (15 minutes) passed while nobody was running.
        clock.advance(milliseconds: 16 * 60_000)
        let seq = try await withHub(databasePath: path, clock: clock.hubClock, configure: tiered) { hub in
            await hub.timers.fireDue()
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.tier == 2)
            #expect(ticket.assignee == "tina")
            #expect(ticket.handoffs == 1)
            return hub.ledger.snapshot.seq
        }
        // Restarted with helpdesk swarming: one queue.configured event, nothing fires twice, and
        // the change applies to new tickets only.
        try await withHub(databasePath: path, clock: clock.hubClock, configure: Self.configure([:])) { hub in
            // The ledger takes commands in order: once this tick is done, so is the configuration
            // the hub queued at start.
            _ = await hub.ledger.submit(.tick, by: .system, id: nil)
            let events = try await hub.store.events(onChannels: ["queue:helpdesk"], after: seq, through: seq + 100)
            #expect(events.map(\.event.payload) == [.queueConfigured(queue: "helpdesk", mode: .swarm)])
            let escalated = try await hub.store.events(onChannels: ["ticket:T-1"], after: 0, through: seq + 100)
                .filter { $0.event.type == .ticketEscalated }
            #expect(escalated.count == 1)
            #expect(escalated.first?.event.actor == SwarmState.systemActor)
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.mode == .tiered)
        }
    }

    @Test("SLA warning and breach arrive on time across restarts, each once, on the sla channel")
    func slaAcrossRestart() async throws {
        let clock = ManualClock()
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let configure: (inout HubConfiguration) -> Void = { configuration in
            configuration.swarm.defaultQueue.sla = .standard
            configuration.swarm.backlogAfter = 30 * 86_400_000
            configuration.timerPoll = .seconds(3600)
        }
        let lena = try await withHub(databasePath: path, clock: clock.hubClock, configure: configure) { hub in
            let rita = try await hub.token("rita", .requester)
            try await withClient(hub.url) { c in
                try await c.hello(rita)
                try await c.command([
                    "type": "ticket.open", "title": "Mail is down for everyone", "description": "",
                    "category": "service",
                    "urgency": "high", "impact": "high",
                ])
            }
            return try await hub.token("lena", .lead)
        }
        // P1: first response due after 15 minutes, warning at 12.
        clock.advance(milliseconds: 13 * 60_000)
        try await withHub(databasePath: path, clock: clock.hubClock, configure: configure) { hub in
            try await withClient(hub.url) { lead in
                try await lead.hello(lena)
                try await lead.command(["type": "subscribe", "channels": ["sla"], "since": 0])
                await hub.timers.fireDue()
                let warning = try await lead.event()
                #expect(warning.channel == "sla")
                guard case .slaWarning(.firstResponse, let due) = warning.event.payload else {
                    throw TestFailure("expected the first-response warning, got \(warning.event.type)")
                }
                #expect(due.milliseconds - clock.time.milliseconds == 2 * 60_000)
                #expect(try await lead.drainEvents().isEmpty, "no breach yet")
            }
        }
        clock.advance(milliseconds: 2 * 60_000)
        for _ in 0..<2 {
            try await withHub(databasePath: path, clock: clock.hubClock, configure: configure) { hub in
                await hub.timers.fireDue()
                let fired = try await hub.store.events(onChannels: ["sla"], after: 0, through: 1_000).map(\.event.type)
                #expect(fired == [.slaWarning, .slaBreached])
            }
        }
    }

    @Test("ticket.escalate over the wire: to the vendor, and the errors")
    func escalateFrames() async throws {
        try await withHub(configure: Self.configure(["helpdesk": .tiered])) { hub in
            let tom = try await hub.token("tom")
            try await withClient(hub.url) { c in
                try await c.hello(tom)
                try await c.command([
                    "type": "ticket.open", "title": "Scanner firmware", "description": "", "category": "hardware",
                    "urgency": "low", "impact": "low", "queue": "helpdesk",
                ])
                try await c.command([
                    "type": "ticket.open", "title": "Swarmed", "description": "", "category": "other",
                    "urgency": "low", "impact": "low",
                ])
                let cases: [([String: Any], ErrorCode)] = [
                    (["ticket": "T-1", "tier": 4, "reason": "bug"], .invalidField),
                    (["ticket": "T-1", "tier": 9, "reason": "bug"], .invalidField),
                    (["ticket": "T-1", "reason": ""], .invalidField),
                    (["ticket": "T-1", "tier": "two", "reason": "x"], .invalidField),
                    (["ticket": "T-2", "reason": "x"], .conflict),
                    (["ticket": "T-9", "reason": "x"], .notFound),
                ]
                for (fields, code) in cases {
                    let error = try await c.failing(fields.merging(["type": "ticket.escalate"]) { $1 })
                    #expect(error.code == code, "\(fields): \(error.message)")
                }
                let ack = try await c.command([
                    "type": "ticket.escalate", "ticket": "T-1", "tier": 4, "reason": "firmware bug",
                    "vendor": "Acme Scanners", "vendorRef": "AS-2231",
                ])
                #expect(ack.seq == hub.ledger.snapshot.seq)
                let ticket = hub.ledger.snapshot.state.tickets["T-1"]
                #expect(ticket?.tier == 4)
                #expect(ticket?.vendor == "Acme Scanners")
                #expect(ticket?.handoffs == 1)
            }
        }
    }
}

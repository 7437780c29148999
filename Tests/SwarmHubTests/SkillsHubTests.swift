import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

/// `ticket.open` of a DNS problem, with no skills given: the hub infers network.dns.
func dnsTicket(_ title: String = "Intranet names do not resolve") -> [String: Any] {
    [
        "type": "ticket.open", "title": title, "description": "nslookup intranet.corp times out since 9:00",
        "category": "network", "urgency": "medium", "impact": "medium",
    ]
}

@Suite("Live hub: skills, matching and invitations")
struct SkillsHubTests {
    @Test("an expert on skill:network.* sees a DNS ticket at once, is invited ahead of a generalist, accepts and is in")
    func expertFindsTheTicket() async throws {
        try await withHub { hub in
            let dana = try await hub.token("dana", .expert)
            let nick = try await hub.token("nick")
            let rita = try await hub.token("rita", .requester)
            try await withClient(hub.url) { expert in
                try await withClient(hub.url) { generalist in
                    try await expert.hello(dana)
                    try await generalist.hello(nick)
                    try await expert.command(["type": "skills.set", "skills": ["network.dns": 5]])
                    try await generalist.command(["type": "skills.set", "skills": ["networking": 2]])
                    try await expert.command(["type": "subscribe", "channels": ["skill:network.*"]])

                    let opened = try await withClient(hub.url) { requester in
                        try await requester.hello(rita)
                        return try await requester.command(dnsTicket())
                    }
                    let id = try #require(opened.ticket)
                    // At once: the ticket, on the skill channel, with its inferred skill.
                    let first = try await expert.event()
                    #expect(first.channel == "skill:network.*")
                    guard case .ticketOpened(let ticket) = first.event.payload else {
                        throw TestFailure("expected ticket.opened first, got \(first.event.type)")
                    }
                    #expect(ticket.id == id)
                    #expect(ticket.skills.isEmpty)
                    #expect(ticket.inferredSkills == ["network.dns"])
                    // Then the invitations, best first, each with its reasons.
                    let invitations = [try await expert.event(), try await expert.event()]
                    let invited = invitations.compactMap { frame -> (String, Int, [ScoreReason])? in
                        guard case .expertInvited(let agent, let score, _, _, let reasons) = frame.event.payload else {
                            return nil
                        }
                        return (agent, score, reasons)
                    }
                    #expect(invited.map(\.0) == ["dana", "nick"])
                    #expect(invited.map(\.1) == [100, 20])
                    #expect(invited.first?.2.map(\.text) == ["network.dns level 5, exact match: +100"])
                    #expect(invited.last?.2.map(\.text) == ["network level 2 partly covers network.dns: +20"])
                    // The lead's view says the same.
                    let lena = try await hub.token("lena", .lead)
                    let ranked = try await http("GET", hub.httpBase + "/v1/tickets/\(id)/candidates", token: lena)
                    #expect(ranked.status == 200)
                    let candidates = ranked.json["candidates"] as? [[String: Any]]
                    #expect(candidates?.map { $0["agent"] as? String } == ["dana", "nick"])
                    #expect(ranked.json["inferredSkills"] as? [String] == ["network.dns"])

                    let accepted = try await expert.command(["type": "invite.answer", "ticket": id, "accept": true])
                    let state = hub.ledger.snapshot.state
                    #expect(state.tickets[id]?.members == ["dana"])
                    #expect(state.tickets[id]?.invitations.map(\.state) == [.accepted, .pending])
                    #expect(state.agents["dana"]?.load == 1)
                    #expect(accepted.seq == hub.ledger.snapshot.seq)
                    let joined = try await expert.drainEvents().map(\.event.type)
                    // Her join moved the new ticket in progress (the status follows the work).
                    #expect(joined == [.inviteAnswered, .swarmJoined, .statusChanged])
                }
            }
        }
    }

    @Test("unanswered invitations expire after a restart, exactly once, and the next candidate is invited")
    func invitationTimeoutAcrossRestart() async throws {
        let clock = ManualClock()
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let configure: (inout HubConfiguration) -> Void = { configuration in
            configuration.swarm.invitations = 1
            configuration.swarm.inviteTimeout = 10 * 60_000
            // Timers are fired by the test, with the clock it moves.
            configuration.timerPoll = .seconds(3600)
        }
        let tokens = try await withHub(databasePath: path, clock: clock.hubClock, configure: configure) { hub in
            let tokens = (
                dana: try await hub.token("dana", .expert), nick: try await hub.token("nick"),
                alice: try await hub.token("alice")
            )
            for (token, level) in [(tokens.dana, 5), (tokens.nick, 3)] {
                try await withClient(hub.url) { c in
                    try await c.hello(token)
                    try await c.command(["type": "skills.set", "skills": ["dns": level]])
                }
            }
            try await withClient(hub.url) { c in
                try await c.hello(tokens.alice)
                try await c.command(dnsTicket())
            }
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.invitations.map(\.agent) == ["dana"])
            return tokens
        }
        // Down for 11 minutes: dana's invitation expired while nobody was running.
        clock.advance(milliseconds: 11 * 60_000)
        let seqAfterFiring = try await withHub(databasePath: path, clock: clock.hubClock, configure: configure) { hub in
            #expect(hub.timers.nextDeadline != nil)
            await hub.timers.fireDue()
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.invitations.map(\.agent) == ["dana", "nick"])
            #expect(ticket.invitations.map(\.state) == [.expired, .pending])
            // Nick, invited now, sees his invitation by resuming his channel.
            try await withClient(hub.url) { c in
                try await c.hello(tokens.nick)
                try await c.command(["type": "subscribe", "channels": ["agent:nick"], "since": 0])
                let events = try await c.drainEvents()
                let mine = events.filter { $0.event.type == .expertInvited }
                #expect(mine.count == 1)
                #expect(mine.first?.event.actor == SwarmState.systemActor)
                guard case .expertInvited(_, _, let origin, let expires, _)? = mine.first?.event.payload else {
                    throw TestFailure("expected nick's invitation")
                }
                #expect(origin == .replacement)
                #expect(expires == clock.time.adding(milliseconds: 10 * 60_000))
            }
            return hub.ledger.snapshot.seq
        }
        // Another restart at the same time: nothing fires twice.
        try await withHub(databasePath: path, clock: clock.hubClock, configure: configure) { hub in
            await hub.timers.fireDue()
            #expect(hub.ledger.snapshot.seq == seqAfterFiring)
            let expired = try await hub.store.events(onChannels: ["ticket:T-1"], after: 0, through: seqAfterFiring)
                .filter { if case .inviteAnswered(_, _, true) = $0.event.payload { true } else { false } }
            #expect(expired.count == 1)
        }
    }

    @Test("the timer fires by itself when a deadline passes")
    func timerFiresByItself() async throws {
        let clock = ManualClock()
        try await withHub(
            clock: clock.hubClock,
            configure: {
                $0.swarm.backlogAfter = 60_000
                $0.timerPoll = .milliseconds(50)
            }
        ) { hub in
            let alice = try await hub.token("alice")
            try await withClient(hub.url) { c in
                try await c.hello(alice)
                try await c.command(dnsTicket())
                try await c.command(["type": "subscribe", "channels": ["backlog"]])
                clock.advance(milliseconds: 60_000)
                let stalled = try await c.event()
                #expect(stalled.channel == "backlog")
                #expect(stalled.event.type == .ticketStalled)
                #expect(stalled.event.actor == SwarmState.systemActor)
            }
        }
    }

    @Test("presence: offline only after the grace period, back to the chosen status on return")
    func presenceGrace() async throws {
        try await withHub(configure: { $0.presenceGrace = .milliseconds(300) }) { hub in
            let alice = try await hub.token("alice")
            let lena = try await hub.token("lena", .lead)
            try await withClient(hub.url) { lead in
                try await lead.hello(lena)
                try await lead.command(["type": "subscribe", "channels": ["agents"]])
                try await withClient(hub.url) { a in
                    try await a.hello(alice)
                    try await a.command(["type": "presence.set", "status": "busy"])
                }
                // A quick reconnect does not flap.
                try await withClient(hub.url) { a in try await a.hello(alice) }
                var statuses: [Presence] = []
                while statuses.count < 3 {
                    let frame = try await lead.event { $0.event.type == .presenceChanged }
                    guard case .presenceChanged("alice", let status, _) = frame.event.payload else { continue }
                    statuses.append(status)
                }
                #expect(statuses == [.available, .busy, .offline])
                try await withClient(hub.url) { a in try await a.hello(alice) }
                let back = try await lead.event { $0.event.type == .presenceChanged }
                #expect(back.event.payload == .presenceChanged(agent: "alice", status: .busy, auto: true))
            }
        }
    }

    @Test("viewing and typing reach the ticket's other subscribers and are not logged")
    func ephemeralActivity() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let bob = try await hub.token("bob")
            try await withClient(hub.url) { a in
                try await withClient(hub.url) { b in
                    try await a.hello(alice)
                    try await b.hello(bob)
                    try await a.command(dnsTicket())
                    try await a.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                    try await b.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                    let before = hub.ledger.snapshot.seq
                    let ack = try await a.command(["type": "ticket.typing", "ticket": "T-1"])
                    #expect(ack.seq == nil)
                    guard case .activity(let activity) = try await b.next() else {
                        throw TestFailure("bob should see alice typing")
                    }
                    #expect(activity.agent == "alice")
                    #expect(activity.activity == .typing)
                    #expect(activity.channel == "ticket:T-1")
                    #expect(activity.expires.milliseconds - activity.at.milliseconds == 10_000)
                    #expect(hub.ledger.snapshot.seq == before)
                    // The sender does not get its own notice back.
                    try await b.command(["type": "ticket.viewing", "ticket": "T-1"])
                    guard case .activity(let seen) = try await a.next() else {
                        throw TestFailure("alice should see bob viewing")
                    }
                    #expect(seen.agent == "bob")
                    #expect(seen.activity == .viewing)
                }
            }
        }
    }

    @Test("a requester gets no activity frames; her own notices reach the agents")
    func requesterSeesNoActivity() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let rita = try await hub.token("rita", .requester)
            try await withClient(hub.url) { agent in
                try await withClient(hub.url) { requester in
                    try await agent.hello(alice)
                    try await requester.hello(rita)
                    try await requester.command(dnsTicket())
                    try await agent.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                    try await requester.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                    // Alice types (an internal note, perhaps) and looks: nothing of it reaches Rita.
                    try await agent.command(["type": "ticket.typing", "ticket": "T-1"])
                    try await agent.command(["type": "ticket.viewing", "ticket": "T-1"])
                    let frames = try await rawFrames(requester)
                    #expect(!frames.contains { $0.contains(#""type":"activity""#) }, "\(frames)")
                    // Rita typing is shown to the agent.
                    try await requester.command(["type": "ticket.typing", "ticket": "T-1"])
                    guard case .activity(let activity) = try await agent.next() else {
                        throw TestFailure("alice should see rita typing")
                    }
                    #expect(activity.agent == "rita")
                    #expect(activity.activity == .typing)
                }
            }
        }
    }

    @Test("REST: agents with skills, presence and load; the taxonomy with counts")
    func restViews() async throws {
        try await withHub { hub in
            let dana = try await hub.token("dana", .expert)
            let rita = try await hub.token("rita", .requester)
            try await withClient(hub.url) { c in
                try await c.hello(dana)
                try await c.command(["type": "skills.set", "skills": ["network.dns": 5, "linux": 3]])
                try await c.command(dnsTicket())
                try await c.command(["type": "swarm.join", "ticket": "T-1"])
            }
            let agents = try await http("GET", hub.httpBase + "/v1/agents", token: dana)
            let first = (agents.json["agents"] as? [[String: Any]])?.first
            #expect(first?["id"] as? String == "dana")
            #expect(first?["skills"] as? [String: Int] == ["network.dns": 5, "linux": 3])
            #expect(first?["activeSwarms"] as? [String] == ["T-1"])
            #expect(["available", "offline"].contains(first?["presence"] as? String))
            #expect(try await http("GET", hub.httpBase + "/v1/agents", token: rita).status == 403)

            let skills = try await http("GET", hub.httpBase + "/v1/skills", token: rita)
            let tags = skills.json["tags"] as? [[String: Any]] ?? []
            let dns = tags.first { $0["tag"] as? String == "network.dns" }
            #expect(dns?["agents"] as? Int == 1)
            #expect(dns?["openTickets"] as? Int == 1)
            #expect((dns?["synonyms"] as? [String])?.contains("dns") == true)
            #expect(tags.count == Taxonomy.standard.tags.count)
            #expect(try await http("GET", hub.httpBase + "/v1/tickets/T-9/candidates", token: dana).status == 404)
            #expect(
                try await http("GET", hub.httpBase + "/v1/tickets/T-1/candidates?limit=0", token: dana).status == 400)
        }
    }
}

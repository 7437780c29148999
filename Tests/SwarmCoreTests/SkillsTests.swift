import Foundation
import SwarmCore
import SwarmLanguage
import SwarmProtocol
import Testing

let dana = Principal(id: "dana", role: .expert)
let nick = Principal(id: "nick", role: .agent)

/// Opens a ticket of `category` with `title` and `skills`.
func open(_ title: String, category: Category = .network, skills: [String]? = nil, urgency: Level = .medium)
    -> Command
{
    .client(
        .ticketOpen(
            TicketOpen(
                title: title, description: "", category: category, urgency: urgency, impact: .medium, skills: skills)))
}

/// The `expert.invited` events among `events`, as (agent, score, origin).
func invited(_ events: [SwarmEvent]) -> [(agent: String, score: Int, origin: InviteOrigin)] {
    events.compactMap {
        if case .expertInvited(let agent, let score, let origin, _, _) = $0.payload { return (agent, score, origin) }
        return nil
    }
}

@Suite("Skills: taxonomy and inference")
struct TaxonomyTests {
    @Test func synonymsResolveToTheirTag() {
        #expect(testTaxonomy.resolve("dns") == "network.dns")
        #expect(testTaxonomy.resolve("network.dns") == "network.dns")
        #expect(testTaxonomy.resolve("carrier-pigeon") == nil)
    }

    @Test("inference: category and keywords, the more specific tag wins, given tags are not repeated")
    func inference() {
        let t = testTaxonomy
        // Category network gives `network`; the keyword dns gives network.dns, which is under it.
        #expect(t.infer(category: .network, text: "DNS lookups fail", given: []) == ["network.dns"])
        // Phrases match whole words, in order.
        #expect(t.infer(category: .other, text: "Name resolution is slow", given: []) == ["network.dns"])
        #expect(t.infer(category: .other, text: "resolution of the name", given: []) == [])
        // Words, not substrings: "lan" is not in "plan".
        #expect(t.infer(category: .other, text: "a plan for the printer", given: []) == ["printer"])
        // Given tags are not inferred again, and their ancestors are not added.
        #expect(t.infer(category: .network, text: "vpn and outlook", given: ["network.vpn"]) == ["office.outlook"])
        #expect(t.infer(category: .hardware, text: "", given: []) == [])
    }

    @Test("inference by stems in the text's language: inflected and hyphenated German, English plurals")
    func inferenceByStems() throws {
        let t = try Taxonomy(
            tags: [
                "printer": Taxonomy.Tag(keywords: ["printer", "drucker", "paper jam", "papierstau"]),
                "network": Taxonomy.Tag(),
                "network.wifi": Taxonomy.Tag(keywords: ["wlan", "wi-fi"]),
                "security": Taxonomy.Tag(),
                "security.mfa": Taxonomy.Tag(keywords: ["zwei-faktor"]),
                "access": Taxonomy.Tag(keywords: ["passwort", "locked out"]),
                "misc": Taxonomy.Tag(keywords: ["die"]),
                "office": Taxonomy.Tag(),
                "office.teams": Taxonomy.Tag(keywords: ["teams"]),
                "toner": Taxonomy.Tag(keywords: ["toner"]),
            ], categories: [.hardware: ["printer"]])
        // Issue 27's example: the German keywords find the printer in German text, in any form.
        #expect(t.infer(category: .other, text: "Der Drucker im 2. OG meldet Papierstau", given: []) == ["printer"])
        #expect(t.infer(category: .other, text: "Probleme mit den Druckern im Lager", given: []) == ["printer"])
        #expect(t.infer(category: .other, text: "Our printers keep jamming", given: []) == ["printer"])
        #expect(t.infer(category: .other, text: "Paper jams on tray 2", given: []) == ["printer"])
        // A hyphenated word matches whole and by its parts; a hyphenated keyword by its parts.
        #expect(
            t.infer(category: .other, text: "Keine WLAN-Verbindung im Besprechungsraum", given: []) == ["network.wifi"])
        #expect(t.infer(category: .other, text: "Zwei-Faktor-Anmeldung geht nicht", given: []) == ["security.mfa"])
        #expect(t.infer(category: .other, text: "Passwörter laufen ab", given: []) == ["access"])
        // Phrases keep their stop words: "locked out" is not "locked".
        #expect(t.infer(category: .other, text: "I am locked out of my laptop", given: []) == ["access"])
        #expect(t.infer(category: .other, text: "the screen is locked", given: []) == [])
        // A keyword that is a stop word of the text's language never matches it ("die" in German text).
        #expect(t.infer(category: .other, text: "die Maus ist kaputt und der Drucker auch", given: []) == ["printer"])
        #expect(t.infer(category: .other, text: "the batteries die quickly", given: []) == ["misc"])
        // A shorter word with the keyword's stem is another word: team is not Teams, Ton (sound) not Toner.
        #expect(t.infer(category: .other, text: "Teams meetings drop my audio", given: []) == ["office.teams"])
        #expect(t.infer(category: .other, text: "The printers of my team jam", given: []) == ["printer"])
        #expect(t.infer(category: .other, text: "Kein Ton in der Besprechung", given: []) == [])
        #expect(t.infer(category: .other, text: "Der Toner ist leer", given: []) == ["toner"])
        // The language may be given; undecided text is matched in both.
        #expect(t.infer(category: .other, text: "Druckern", given: [], language: .german) == ["printer"])
        #expect(t.infer(category: .other, text: "Druckern", given: [], language: .english) == [])
        #expect(t.infer(category: .other, text: "Druckern Papierstau", given: []) == ["printer"])
    }

    @Test("a taxonomy file with a bad entry is refused, naming it")
    func badFiles() {
        func error(_ json: String) -> String? {
            do {
                _ = try Taxonomy(json: Data(json.utf8))
                return nil
            } catch {
                return error.message
            }
        }
        #expect(error(#"{"tags":{"network":{},"network.dns":{"synonyms":["dns"]}}}"#) == nil)
        #expect(error(#"{"tags":{"network.dns":{}}}"#)?.contains("'network.dns' needs its parent 'network'") == true)
        #expect(error(#"{"tags":{"Network":{}}}"#)?.contains("'Network'") == true)
        #expect(error(#"{"tags":{"a":{"synonyms":["x"]},"b":{"synonyms":["x"]}}}"#)?.contains("'x'") == true)
        #expect(error(#"{"tags":{"a":{"synonyms":["b"]},"b":{}}}"#)?.contains("is itself a tag") == true)
        #expect(error(#"{"tags":{"a":{"keywords":["--"]}}}"#)?.contains("keyword '--'") == true)
        #expect(
            error(#"{"tags":{"a":{}},"categories":{"coffee":["a"]}}"#)?.contains("unknown category 'coffee'") == true)
        #expect(error(#"{"tags":{"a":{}},"categories":{"network":["b"]}}"#)?.contains("unknown tag 'b'") == true)
        #expect(error(#"{"tags":[]}"#) != nil)
        #expect(error("not json") != nil)
    }

    @Test func durations() {
        #expect(DurationText.milliseconds("90s") == 90_000)
        #expect(DurationText.milliseconds("15m") == 900_000)
        #expect(DurationText.milliseconds("4h") == 14_400_000)
        #expect(DurationText.milliseconds("2d") == 172_800_000)
        #expect(DurationText.milliseconds("250ms") == 250)
        for bad in ["", "m", "15", "1.5h", "-1s", "+5s", "5 m", "5x", "99999999999999999999d"] {
            #expect(DurationText.milliseconds(bad) == nil, "\(bad)")
        }
    }
}

@Suite("Skills: the registry and the matcher")
struct MatcherTests {
    /// dana: network.dns 5; nick: network 2; carol: network.dns 3 but busy and in a swarm; bob: printer only.
    func staffedWorld() throws -> World {
        var world = World()
        for (principal, skills) in [
            (dana, ["network.dns": 5]), (nick, ["network": 2]), (carol, ["dns": 3]), (bob, ["printer": 4]),
        ] {
            try world.run(.connected(agent: principal.id), by: .system)
            try world.run(.client(.skillsSet(SkillsSet(skills: skills, agent: nil))), by: principal)
        }
        try world.run(.client(.presenceSet(PresenceSet(status: .busy))), by: carol)
        try world.run(open("Printer jams", category: .hardware, skills: ["printer"]), by: requester)
        try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: carol)
        return world
    }

    @Test("skills are set whole, synonyms read as their tag, and the index follows")
    func registry() throws {
        var world = try staffedWorld()
        #expect(world.state.agents["carol"]?.skills == ["network.dns": 3])
        try world.run(.client(.skillsSet(SkillsSet(skills: ["windows.ad": 2], agent: nil))), by: carol)
        #expect(world.state.agents["carol"]?.skills == ["windows.ad": 2])
        // carol no longer holds network.dns: she is not a candidate for it any more.
        #expect(world.state.rank(required: ["network.dns"]).map(\.agent) == ["dana", "nick"])
        // Setting the same skills again changes nothing and logs nothing.
        #expect(try world.run(.client(.skillsSet(SkillsSet(skills: ["windows.ad": 2], agent: nil))), by: carol).isEmpty)
        // A lead may set anyone's; an agent only their own.
        try world.run(.client(.skillsSet(SkillsSet(skills: ["windows.ad": 4], agent: "carol"))), by: lead)
        #expect(world.state.agents["carol"]?.skills == ["windows.ad": 4])
        #expect(
            world.refuses(
                .client(.skillsSet(SkillsSet(skills: ["windows.ad": 1], agent: "carol"))), by: alice, .forbidden))
        #expect(
            world.refuses(
                .client(.skillsSet(SkillsSet(skills: ["windows.ad": 1], agent: nil))), by: requester, .forbidden))
    }

    @Test("bad skills are refused, naming the tag or the level, and change nothing")
    func badSkills() throws {
        let world = try staffedWorld()
        for skills in [["network.pigeon": 3], ["network.dns": 0], ["network.dns": 6], ["Network": 1]] {
            do {
                _ = try world.state.decide(
                    .client(.skillsSet(SkillsSet(skills: skills, agent: nil))), by: dana, at: t0,
                    settings: world.settings)
                Issue.record("\(skills) should be refused")
            } catch {
                #expect(error.kind == .invalid)
                #expect(error.message.contains(skills.keys.first!), "\(error.message)")
            }
        }
    }

    @Test("ranking: exact beats partial, with a reason for every point")
    func rankingAndReasons() throws {
        let world = try staffedWorld()
        let ranked = world.state.rank(required: ["network.dns"])
        #expect(ranked.map(\.agent) == ["dana", "carol", "nick"])
        #expect(ranked.map(\.score) == [100, 60 - 15 - 10, 20])
        for candidate in ranked {
            #expect(candidate.score == candidate.reasons.reduce(0) { $0 + $1.points })
        }
        #expect(ranked[0].reasons.map(\.text) == ["network.dns level 5, exact match: +100"])
        #expect(
            ranked[1].reasons.map(\.text) == [
                "network.dns level 3, exact match: +60", "busy: -15", "in 1 active swarm: -10",
            ])
        #expect(ranked[2].reasons.map(\.text) == ["network level 2 partly covers network.dns: +20"])
        // The other way round: a network.dns expert partly covers a generic network ticket.
        let generic = world.state.rank(required: ["network"])
        #expect(generic.map(\.agent) == ["dana", "nick", "carol"])
        #expect(generic.map(\.score) == [50, 40, 30 - 15 - 10])
        #expect(generic[0].reasons.first?.text == "network.dns level 5 is part of network: +50")
        // Nobody with a matching skill: nobody ranked.
        #expect(world.state.rank(required: ["office.outlook"]).isEmpty)
    }

    @Test("offline agents are not candidates; ties go alphabetically")
    func offlineAndTies() throws {
        var world = try staffedWorld()
        try world.run(.client(.skillsSet(SkillsSet(skills: ["network.dns": 5], agent: nil))), by: alice)
        // alice has no presence yet (never connected): offline, not a candidate.
        #expect(!world.state.rank(required: ["network.dns"]).map(\.agent).contains("alice"))
        try world.run(.connected(agent: "alice"), by: .system)
        #expect(world.state.rank(required: ["network.dns"]).prefix(2).map(\.agent) == ["alice", "dana"])
        try world.run(.disconnected(agent: "dana"), by: .system)
        #expect(world.state.agents["dana"]?.presence == .offline)
        #expect(world.state.rank(required: ["network.dns"]).first?.agent == "alice")
    }

    @Test("past resolutions of tickets needing a tag add points, capped")
    func history() throws {
        var world = try staffedWorld()
        for n in 2...6 {
            try world.run(open("DNS \(n)", skills: ["network.dns"]), by: requester)
            try world.run(.client(.swarmJoin(TicketRef(ticket: "T-\(n)"))), by: nick)
            try world.run(
                .client(.ticketStatus(StatusChange(ticket: "T-\(n)", status: .resolved, resolution: "fixed"))), by: nick
            )
        }
        let nickScore = try #require(world.state.rank(required: ["network.dns"]).first { $0.agent == "nick" })
        #expect(nickScore.reasons.last?.text == "resolved 5 tickets needing these skills: +20")
        #expect(nickScore.score == 20 + 20)
        // Resolved tickets do not count as load.
        #expect(world.state.agents["nick"]?.load == 0)
    }
}

@Suite("Skills: invitations")
struct InvitationTests {
    func world() throws -> World {
        var world = try MatcherTests().staffedWorld()
        world.settings.invitations = 2
        return world
    }

    @Test("a new ticket invites the best candidates with their reasons; accepting joins the swarm")
    func openInvitesAndAcceptJoins() throws {
        var world = try world()
        let events = try world.run(open("DNS does not resolve intranet names"), by: requester)
        #expect(world.ticket("T-2").inferredSkills == ["network.dns"])
        #expect(world.ticket("T-2").skills == [])
        #expect(invited(events).map(\.agent) == ["dana", "carol"])
        #expect(invited(events).allSatisfy { $0.origin == .opened })
        #expect(events.dropFirst().allSatisfy { $0.actor == SwarmState.systemActor })
        // The invitation goes to the invitee's channel.
        #expect(world.routes[world.routes.count - 2].contains("agent:dana"))
        try world.run(.client(.inviteAnswer(InviteAnswer(ticket: "T-2", accept: true))), by: dana)
        #expect(world.ticket("T-2").members == ["dana"])
        #expect(world.ticket("T-2").invitations.map(\.state) == [.accepted, .pending])
        #expect(world.state.agents["dana"]?.activeSwarms == ["T-2"])
        // An invitation is answered once.
        #expect(world.refuses(.client(.inviteAnswer(InviteAnswer(ticket: "T-2", accept: true))), by: dana, .notFound))
        #expect(world.refuses(.client(.inviteAnswer(InviteAnswer(ticket: "T-2", accept: false))), by: nick, .notFound))
    }

    @Test("declining invites the next candidate; P1 invites a wider set at once")
    func declineAndSeverityOne() throws {
        var world = try world()
        try world.run(open("DNS down"), by: requester)
        let declined = try world.run(.client(.inviteAnswer(InviteAnswer(ticket: "T-2", accept: false))), by: dana)
        #expect(invited(declined).map(\.agent) == ["nick"])
        #expect(invited(declined).first?.origin == .replacement)
        #expect(world.ticket("T-2").invitations.map(\.state) == [.declined, .pending, .pending])
        // Nobody left: a further decline invites nobody, and asking for more is a conflict.
        try world.run(.client(.inviteAnswer(InviteAnswer(ticket: "T-2", accept: false))), by: nick)
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: nil, count: nil))), by: alice, .conflict))

        let p1 = try world.run(open("DNS down for the whole company", urgency: .high), by: requester)
        #expect(world.ticket("T-3").priority == .p2)  // medium impact: P2
        #expect(invited(p1).count == 2)
        var wide = world
        wide.settings.severityOneInvitations = 3
        let critical = try wide.run(
            .client(
                .ticketOpen(
                    TicketOpen(
                        title: "DNS down everywhere", description: "", category: .network, urgency: .high, impact: .high
                    ))),
            by: requester)
        #expect(wide.ticket("T-4").priority == .p1)
        #expect(invited(critical).map(\.agent) == ["dana", "carol", "nick"])
    }

    @Test("unanswered invitations expire at their deadline, once, and the next candidate is invited")
    func timeouts() throws {
        var world = try world()
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved))), by: carol)
        try world.run(open("DNS down"), by: requester)
        let deadline = try #require(world.state.nextDeadline(settings: world.settings))
        #expect(deadline == world.clock.adding(milliseconds: world.settings.inviteTimeout))
        #expect(world.ticket("T-2").invitations.map(\.expires) == [deadline, deadline])
        world.clock = deadline.adding(milliseconds: -1)
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        world.clock = deadline
        let fired = try world.runNow(.tick, by: .system)
        #expect(fired.map(\.type) == [.inviteAnswered, .inviteAnswered, .expertInvited])
        #expect(invited(fired).map(\.agent) == ["nick"])
        #expect(world.ticket("T-2").invitations.map(\.state) == [.expired, .expired, .pending])
        // Firing again at the same time does nothing: the deadline moved on.
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        // Replay gives the same state, so a restart recomputes the same next deadline.
        let replayed = SwarmState.replaying(world.log)
        #expect(replayed == world.state)
        #expect(replayed.nextDeadline(settings: world.settings) == world.state.nextDeadline(settings: world.settings))
    }

    @Test("ticket.invite by name, with the rules on who may be invited")
    func inviteByName() throws {
        var world = try world()
        try world.run(open("DNS down"), by: requester)
        let events = try world.run(
            .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: "bob", count: nil))), by: alice)
        #expect(invited(events).map(\.agent) == ["bob"])
        #expect(invited(events).first?.score == 0)
        #expect(invited(events).first?.origin == .requested)
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: "alice", count: nil))), by: alice, .invalid))
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: "bob", count: nil))), by: alice, .conflict))
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: "rita", count: nil))), by: alice, .conflict))
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: nil, count: 0))), by: alice, .invalid))
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: nil, count: 21))), by: alice, .invalid))
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-9", agent: "bob", count: nil))), by: alice, .notFound))
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: "bob", count: nil))), by: requester, .forbidden
            ))
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-2", status: .resolved))), by: alice)
        #expect(
            world.refuses(
                .client(.ticketInvite(TicketInvite(ticket: "T-2", agent: "nick", count: nil))), by: alice, .conflict))
        // Resolving the ticket let dana's invitation lapse: there is nothing to answer.
        #expect(world.refuses(.client(.inviteAnswer(InviteAnswer(ticket: "T-2", accept: true))), by: dana, .notFound))
        // A resolved ticket has no deadlines: only T-1's remain.
        let t1 = world.ticket("T-1").invitations.map(\.expires).min()
        #expect(world.state.nextDeadline(settings: world.settings) == t1)
    }

    @Test("help.request reaches the skill channels asked for and invites candidates for them")
    func helpRequest() throws {
        var world = try world()
        try world.run(open("Printer jams", category: .hardware, skills: ["printer"]), by: requester)
        #expect(
            world.refuses(
                .client(.helpRequest(HelpRequest(ticket: "T-2", skills: ["dns"]))), by: nick, .forbidden))
        try world.run(.client(.swarmJoin(TicketRef(ticket: "T-2"))), by: nick)
        #expect(
            world.refuses(
                .client(.helpRequest(HelpRequest(ticket: "T-2", skills: ["pigeon"]))), by: nick, .invalid))
        #expect(
            world.refuses(.client(.helpRequest(HelpRequest(ticket: "T-2", skills: []))), by: nick, .invalid))
        let events = try world.run(
            .client(.helpRequest(HelpRequest(ticket: "T-2", skills: ["dns"], note: "print server name?"))), by: nick)
        #expect(events.first?.type == .helpRequested)
        #expect(world.routes[world.routes.count - events.count].contains("skill:network.*"))
        #expect(invited(events).map(\.agent) == ["dana", "carol"])
        #expect(invited(events).allSatisfy { $0.origin == .help })
    }
}

@Suite("Skills: dispatch and backlog swarms, presence")
struct SwarmPatternTests {
    @Test("dispatch carries tickets while nobody owns them, and the event that gives them an owner")
    func dispatch() throws {
        var world = World()
        try world.run(open("DNS down"), by: requester)
        #expect(world.routes.last?.contains("dispatch") == true)
        try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice)
        #expect(world.routes.last?.contains("dispatch") == true)
        try world.run(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "alice"))), by: alice)
        #expect(world.routes.last?.contains("dispatch") == true)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "on it"))), by: alice)
        #expect(world.routes.last?.contains("dispatch") == false)
    }

    @Test("a ticket without progress for the backlog time goes on the backlog, once, until progress")
    func backlog() throws {
        var world = World()
        try world.run(open("DNS down"), by: requester)
        let opened = world.clock
        #expect(world.state.nextDeadline(settings: world.settings) == opened.adding(milliseconds: 3_600_000))
        world.clock = opened.adding(milliseconds: 3_600_000)
        let fired = try world.runNow(.tick, by: .system)
        #expect(fired.map(\.payload) == [.ticketStalled(since: opened)])
        #expect(world.routes.last?.contains("backlog") == true)
        #expect(world.ticket().stalledSince == opened)
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        // Progress takes it off the backlog (that event still goes to the backlog channel).
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "looking"))), by: alice)
        #expect(world.ticket().stalledSince == nil)
        #expect(world.routes.last?.contains("backlog") == true)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "still looking"))), by: alice)
        #expect(world.routes.last?.contains("backlog") == false)
        // Waiting on the requester is not the team's backlog.
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: alice)
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .waiting))), by: alice)
        world.clock = world.clock.adding(milliseconds: 10 * 3_600_000)
        #expect(try world.runNow(.tick, by: .system).isEmpty)
    }

    @Test("presence: chosen status comes back after being offline; offline cannot be chosen")
    func presence() throws {
        var world = World()
        try world.run(.connected(agent: "alice"), by: .system)
        #expect(world.state.agents["alice"]?.presence == .available)
        try world.run(.client(.presenceSet(PresenceSet(status: .away))), by: alice)
        try world.run(.disconnected(agent: "alice"), by: .system)
        #expect(world.state.agents["alice"]?.presence == .offline)
        try world.run(.connected(agent: "alice"), by: .system)
        #expect(world.state.agents["alice"]?.presence == .away)
        #expect(world.routes.last == ["agent:alice", "agents"])
        // Connecting again while online logs nothing.
        #expect(try world.run(.connected(agent: "alice"), by: .system).isEmpty)
        #expect(world.refuses(.client(.presenceSet(PresenceSet(status: .offline))), by: alice, .invalid))
        #expect(world.refuses(.client(.presenceSet(PresenceSet(status: .busy))), by: requester, .forbidden))
        // Only the hub issues its own commands, and the hub issues only those.
        #expect(world.refuses(.tick, by: lead, .forbidden))
        #expect(world.refuses(.connected(agent: "x"), by: alice, .forbidden))
        #expect(world.refuses(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: .system, .forbidden))
    }
}

@Suite("Skills: invitations meet the rest of the ticket")
struct InvitationLifecycleTests {
    @Test("joining or being made an owner answers a pending invitation, so it neither expires nor is replaced")
    func joiningAnswers() throws {
        var world = try InvitationTests().world()
        try world.run(open("DNS down"), by: requester)
        let joined = try world.run(.client(.swarmJoin(TicketRef(ticket: "T-2"))), by: dana)
        #expect(joined.map(\.type) == [.inviteAnswered, .swarmJoined, .statusChanged])
        let owned = try world.run(.client(.ownerAdd(OwnerChange(ticket: "T-2", agent: "carol"))), by: dana)
        #expect(owned.map(\.type) == [.inviteAnswered, .swarmJoined, .ownerAdded])
        #expect(world.ticket("T-2").invitations.map(\.state) == [.accepted, .accepted])
        world.clock = world.clock.adding(milliseconds: world.settings.inviteTimeout)
        #expect(try world.runNow(.tick, by: .system).filter { $0.ticket == "T-2" }.isEmpty)
        // A member who was never invited joins with one event, as before.
        #expect(try world.run(.client(.swarmJoin(TicketRef(ticket: "T-2"))), by: nick).map(\.type) == [.swarmJoined])
    }

    @Test("invitations lapse when the ticket is resolved and do not come back on reopen")
    func resolvedTicketsInviteNobody() throws {
        var world = try InvitationTests().world()
        try world.run(open("DNS down"), by: requester)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-2", status: .resolved, resolution: "restarted"))), by: nick)
        #expect(world.ticket("T-2").invitations.map(\.state) == [.expired, .expired])
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-2", status: .open))), by: requester)
        world.clock = world.clock.adding(milliseconds: world.settings.inviteTimeout)
        #expect(try world.runNow(.tick, by: .system).filter { $0.ticket == "T-2" }.isEmpty)
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("starting work on a ticket answers the starter's pending invitation too")
    func startingWorkAnswers() throws {
        var world = try InvitationTests().world()
        try world.run(open("DNS down"), by: requester)
        let started = try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-2", status: .inProgress))), by: dana)
        #expect(started.map(\.type) == [.inviteAnswered, .swarmJoined, .ownerAdded, .statusChanged])
    }

    @Test func emptySkillsForANewAgentLogNothing() throws {
        var world = World()
        #expect(try world.run(.client(.skillsSet(SkillsSet(skills: [:], agent: nil))), by: alice).isEmpty)
    }
}

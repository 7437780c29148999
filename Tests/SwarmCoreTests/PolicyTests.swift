import SwarmCore
import SwarmProtocol
import Testing

@Suite("Roles")
struct PolicyTests {
    @Test func requestersSeeOnlyTheirOwnTickets() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "any news?"))), by: requester)
        #expect(
            world.refuses(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "hi"))), by: otherRequester, .notFound))
        #expect(Policy.canRead(requester, world.ticket()))
        #expect(!Policy.canRead(otherRequester, world.ticket()))
        #expect(Policy.canRead(alice, world.ticket()))
    }

    @Test func requestersDoNotWorkTickets() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        #expect(world.refuses(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: requester, .forbidden))
        #expect(world.refuses(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "rita"))), by: requester, .forbidden))
        #expect(
            world.refuses(
                .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))),
                by: requester, .forbidden))
        // …but may close or reopen once it is resolved.
        #expect(
            world.refuses(
                .client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester,
                .forbidden))
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "done"))), by: alice)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .closed))), by: requester)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester)
        #expect(world.ticket().status == .open)
    }

    @Test("to a requester, a ticket that does not exist and one that is not hers answer alike, whatever the command")
    func existenceDoesNotLeak() throws {
        var world = World()
        try world.run(openCommand(), by: otherRequester)
        let commands: [(String) -> Command] = [
            { .client(.swarmJoin(TicketRef(ticket: $0))) },
            { .client(.workLog(WorkLog(ticket: $0, minutes: 5))) },
            { .client(.commentAdd(CommentAdd(ticket: $0, body: "hi"))) },
            { .client(.ticketStatus(StatusChange(ticket: $0, status: .closed))) },
            { .client(.ownerAdd(OwnerChange(ticket: $0, agent: "rita"))) },
            { .client(.kbApply(KBApply(ticket: $0, article: "KB-1"))) },
        ]
        for command in commands {
            let missing = refusal(of: command("T-999"), in: world)
            let theirs = refusal(of: command("T-1"), in: world)
            #expect(missing?.kind == .notFound && theirs?.kind == .notFound, "\(command("T-999"))")
            #expect(missing?.message == "no ticket T-999" && theirs?.message == "no ticket T-1")
        }
    }

    private func refusal(of command: Command, in world: World) -> DomainError? {
        do {
            _ = try world.state.decide(command, by: requester, at: world.clock, settings: world.settings)
            return nil
        } catch {
            return error
        }
    }

    @Test("text shown in terminals: bidirectional overrides refused; cutting keeps characters whole and fits the bytes")
    func bidiAndCutting() throws {
        #expect(throws: DomainError.self) {
            try Limits.checkText("invoice\u{202E}fdp.exe", field: "title", length: Limits.titleLength)
        }
        #expect(throws: DomainError.self) {
            try Limits.checkText("a\u{2066}b", field: "title", length: Limits.titleLength)
        }
        try Limits.checkText("مرحبا Grüße 你好", field: "title", length: Limits.titleLength)
        // 90 Devanagari characters of three scalars each: 810 bytes, over the 800 a title may have.
        let devanagari = String(repeating: "क्षि", count: 90)
        #expect(devanagari.count <= 200 && devanagari.utf8.count > 800)
        let cut = Limits.cut(devanagari, toFit: Limits.titleLength)
        try Limits.checkText(cut, field: "title", length: Limits.titleLength)
        #expect(cut.hasSuffix("…") && devanagari.hasPrefix(String(cut.dropLast())))
        #expect(Limits.cut("short", toFit: Limits.titleLength) == "short")
        #expect(Limits.cut(String(repeating: "x", count: 300), toFit: Limits.titleLength).count == 200)
    }

    @Test func subscriptions() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let state = world.state
        func allowed(_ principal: Principal, _ channel: String) -> DomainError.Kind? {
            do {
                try Policy.authorizeSubscription(principal, Channel(channel)!, in: state, taxonomy: testTaxonomy)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(allowed(requester, "ticket:T-1") == nil)
        #expect(allowed(otherRequester, "ticket:T-1") == .notFound)
        #expect(allowed(requester, "queue:general") == .forbidden)
        #expect(allowed(requester, "agent:rita") == nil)
        #expect(allowed(alice, "agent:rita") == .forbidden)
        #expect(allowed(lead, "agent:rita") == nil)
        #expect(allowed(alice, "queue:general") == nil)
        #expect(allowed(alice, "ticket:T-2") == .notFound)
    }

    @Test func channelNames() {
        #expect(Channel("ticket:T-1") == .ticket("T-1"))
        #expect(Channel("queue:general") == .queue("general"))
        #expect(Channel("agent:alice") == .agent("alice"))
        #expect(Channel("skill:network.*") == .skill("network.*"))
        #expect(Channel("dispatch") == .dispatch)
        #expect(Channel("backlog") == .backlog)
        #expect(Channel("agents") == .agents)
        for bad in [
            "", "ticket:", "skill:", "team:dns", "ticket", "dispatch:x", "queue:a b", #"agent:a"b"#,
            String(repeating: "q", count: 200),
        ] {
            #expect(Channel(bad) == nil, "\(bad) should not parse")
        }
    }
}

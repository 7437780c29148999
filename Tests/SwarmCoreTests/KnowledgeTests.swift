import SwarmCore
import SwarmProtocol
import Testing

@Suite("Knowledge base: articles, capture, deflection")
struct KnowledgeTests {
    @Test("an article is published unless drafted; tags must be known; ids count up")
    func create() throws {
        var world = World()
        let events = try world.run(
            .client(.kbCreate(KBCreate(title: "VPN drops hourly", body: "Set the MTU to 1400.", tags: ["vpn"]))),
            by: alice)
        guard case .kbCreated(let article)? = events.first?.payload else { throw TestFailure("no article") }
        #expect(article.id == "KB-1")
        #expect(article.status == .published)
        #expect(article.tags == ["network.vpn"])
        #expect(world.routes.last == ["kb"])
        try world.run(.client(.kbCreate(KBCreate(title: "Draft", body: "x", draft: true))), by: alice)
        #expect(world.state.articles["KB-2"]?.status == .draft)
        #expect(world.refuses(.client(.kbCreate(KBCreate(title: " ", body: "x"))), by: alice, .invalid))
        #expect(world.refuses(.client(.kbCreate(KBCreate(title: "t", body: ""))), by: alice, .invalid))
        #expect(
            world.refuses(.client(.kbCreate(KBCreate(title: "t", body: "x", tags: ["pigeon"]))), by: alice, .invalid))
        #expect(world.refuses(.client(.kbCreate(KBCreate(title: "t", body: "x"))), by: requester, .forbidden))
        try world.run(.client(.kbPublish(KBPublish(article: "KB-2"))), by: bob)
        #expect(world.state.articles["KB-2"]?.status == .published)
        #expect(world.refuses(.client(.kbPublish(KBPublish(article: "KB-2"))), by: bob, .conflict))
        #expect(world.refuses(.client(.kbPublish(KBPublish(article: "KB-9"))), by: bob, .notFound))
    }

    @Test("kb.capture turns a resolved ticket's problem, solution and public replies into a draft")
    func capture() throws {
        var world = World()
        try world.run(openCommand(title: "VPN drops every hour"), by: requester)
        #expect(world.refuses(.client(.kbCapture(TicketRef(ticket: "T-1"))), by: alice, .conflict))
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "still broken"))), by: requester)
        try world.run(
            .client(
                .commentAdd(CommentAdd(ticket: "T-1", body: "tunnel MTU is 1500,\nshould be 1400", visibility: .public))
            ), by: bob)
        // An internal note stays out: a published article is read by requesters.
        try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "she changed the MTU herself, again"))), by: alice)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "MTU set to 1400"))),
            by: bob)
        let events = try world.run(.client(.kbCapture(TicketRef(ticket: "T-1"))), by: bob)
        guard case .kbCreated(let article)? = events.first?.payload else { throw TestFailure("no article") }
        #expect(article.status == .draft)
        #expect(article.source == "T-1")
        #expect(article.tags == ["network.vpn"])
        #expect(
            article.body
                == "Problem\nVPN drops every hour\nSince Monday\n\nCause and solution\nMTU set to 1400\n\nFrom the swarm\n- bob: tunnel MTU is 1500, should be 1400\n"
        )
        #expect(world.routes.last == ["kb"], "a draft is not shown to the requester")
        // Reopening undoes a deflection's credit.
        try world.run(.client(.kbCreate(KBCreate(title: "VPN", body: "MTU 1400"))), by: bob)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester)
        try world.run(.client(.kbApply(KBApply(ticket: "T-1", article: "KB-2"))), by: requester)
        #expect(world.ticket().deflected)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester)
        #expect(!world.ticket().deflected)
        #expect(world.ticket().resolvedWith == nil)
    }

    @Test("a requester resolving their ticket with an article is a deflection; an agent doing it is not")
    func apply() throws {
        var world = World()
        try world.run(.client(.kbCreate(KBCreate(title: "Reset your password", body: "Use the portal."))), by: alice)
        try world.run(.client(.kbCreate(KBCreate(title: "Draft", body: "x", draft: true))), by: alice)
        try world.run(openCommand(title: "Forgot my password"), by: requester)
        try world.run(openCommand(title: "Locked out"), by: otherRequester)
        // A draft is no article to a requester (GET /v1/kb/KB-2 answers 404 to her too); staff learn it is a draft.
        #expect(world.refuses(.client(.kbApply(KBApply(ticket: "T-1", article: "KB-2"))), by: requester, .notFound))
        #expect(world.refuses(.client(.kbApply(KBApply(ticket: "T-1", article: "KB-2"))), by: alice, .conflict))
        #expect(world.refuses(.client(.kbApply(KBApply(ticket: "T-1", article: "KB-9"))), by: requester, .notFound))
        #expect(world.refuses(.client(.kbApply(KBApply(ticket: "T-2", article: "KB-1"))), by: requester, .notFound))
        let applied = try world.run(.client(.kbApply(KBApply(ticket: "T-1", article: "KB-1"))), by: requester)
        #expect(applied.map(\.type) == [.kbApplied, .statusChanged])
        #expect(world.ticket().status == .resolved)
        #expect(world.ticket().resolution == "Resolved with KB-1: Reset your password")
        #expect(world.ticket().deflected)
        #expect(world.ticket().resolvedWith == "KB-1")
        #expect(world.refuses(.client(.kbApply(KBApply(ticket: "T-1", article: "KB-1"))), by: requester, .conflict))
        try world.run(.client(.kbApply(KBApply(ticket: "T-2", article: "KB-1"))), by: alice)
        #expect(world.ticket("T-2").deflected == false)
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("suggestions are the hub's own, once per ticket")
    func suggest() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let matches = [ArticleMatch(id: "KB-1", title: "VPN drops", score: 2_000)]
        #expect(world.refuses(.suggestArticles(ticket: "T-1", matches: matches), by: alice, .forbidden))
        let events = try world.run(.suggestArticles(ticket: "T-1", matches: matches), by: .system)
        #expect(events.map(\.payload) == [.kbSuggested(articles: matches)])
        #expect(world.routes.last?.contains("agent:rita") == true)
        #expect(world.ticket().suggestedArticles == ["KB-1"])
        #expect(try world.run(.suggestArticles(ticket: "T-1", matches: matches), by: .system).isEmpty)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import SwarmCore
import SwarmProtocol
import Testing

/// Issue 27, item 4: an article's language, given or detected, decided with the event so a replay
/// never detects again.
@Suite("An article's language")
struct ArticleLanguageTests {
    func create(_ title: String, _ body: String, language: String? = nil) -> Command {
        .client(.kbCreate(KBCreate(title: title, body: body, language: language)))
    }

    @Test("given, detected, or absent when the words do not tell; the event carries it")
    func languages() throws {
        var world = World()
        let german = try world.run(
            create("Papierstau beheben", "Die Klappe öffnen und das Papier vorsichtig herausziehen."), by: alice)
        guard case .kbCreated(let article)? = german.first?.payload else { throw TestFailure("no article") }
        #expect(article.language == "de", "the event carries the language, not only the state")
        try world.run(create("Printer jams", "Open the tray and pull the paper out of the printer."), by: alice)
        #expect(world.state.articles["KB-2"]?.language == "en")
        try world.run(create("VPN", "MTU 1400"), by: alice)
        #expect(world.state.articles["KB-3"]?.language == nil, "undecided: either language")
        try world.run(create("VPN", "MTU 1400", language: "de"), by: alice)
        #expect(world.state.articles["KB-4"]?.language == "de")
        // Given wins over what the words say: the author knows.
        try world.run(create("Printer jams", "Open the tray and pull the paper out.", language: "de"), by: alice)
        #expect(world.state.articles["KB-5"]?.language == "de")
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test(
        "anything but de or en is refused with a precise message, and nothing is logged",
        arguments: [
            "fr", "", "DE", "german", "de-DE", " en",
        ])
    func refused(code: String) throws {
        var world = World()
        try world.run(create("Printer jams", "Open the tray."), by: alice)
        let before = world.state
        do {
            _ = try world.state.decide(
                create("Printer jams", "Open the tray.", language: code), by: alice, at: world.clock,
                settings: world.settings)
            Issue.record("'\(code)' was accepted")
        } catch {
            #expect(error.kind == .invalid)
            #expect(error.message == "field 'language' must be de or en")
        }
        #expect(world.state == before)
        // The next article still gets the next number: the refused one took none.
        try world.run(create("Printer jams", "Open the tray.", language: "en"), by: alice)
        #expect(world.state.articles.keys.sorted() == ["KB-1", "KB-2"])
    }

    @Test("a bad title is refused before the language, as the protocol lists the rules")
    func order() {
        let world = World()
        do {
            _ = try world.state.decide(
                create(" ", "x", language: "fr"), by: alice, at: world.clock, settings: world.settings)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("'title'"))
        }
    }

    @Test("a captured article takes its ticket's language, else the one its quoted words are in")
    func capture() throws {
        var world = World()
        // T-1 has no language of its own: "VPN" / "Since Monday" does not tell.
        try world.run(openCommand(title: "VPN"), by: requester)
        #expect(world.ticket("T-1").language == nil)
        try world.run(
            .client(
                .commentAdd(
                    CommentAdd(
                        ticket: "T-1", body: "Die MTU des Tunnels ist zu hoch, wir stellen sie auf 1400.",
                        visibility: .public))), by: bob)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "MTU auf 1400 gesetzt"))),
            by: bob)
        try world.run(.client(.kbCapture(TicketRef(ticket: "T-1"))), by: bob)
        // German, though the article's own headings ("Cause and solution", "From the swarm") are English.
        #expect(world.state.articles["KB-1"]?.language == "de")

        try world.run(
            .client(
                .ticketOpen(
                    TicketOpen(
                        title: "VPN", description: "VPN", category: .network, urgency: .low, impact: .low,
                        language: "en"))), by: requester)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-2", status: .resolved, resolution: "MTU auf 1400 gesetzt"))),
            by: bob)
        try world.run(.client(.kbCapture(TicketRef(ticket: "T-2"))), by: bob)
        #expect(world.state.articles["KB-2"]?.language == "en", "the ticket's language, as it was given")
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("a kb.created from before articles had a language decodes as before, without one")
    func olderEvent() throws {
        let json =
            #"{"actor":"alice","article":{"author":"alice","body":"Die Klappe öffnen und das Papier herausziehen.","#
            + #""createdAt":"2026-11-23T15:02:10.400Z","id":"KB-1","status":"published","tags":[],"title":"Papierstau","#
            + #""updatedAt":"2026-11-23T15:02:10.400Z"},"at":"2026-11-23T15:02:10.400Z","type":"kb.created"}"#
        let event = try JSONDecoder().decode(SwarmEvent.self, from: Data(json.utf8))
        guard case .kbCreated(let article) = event.payload else { throw TestFailure("not kb.created") }
        #expect(article.language == nil)
        // Not detected on replay: the log is the record, and what it does not say stays unsaid.
        #expect(SwarmState.replaying([event]).articles["KB-1"]?.language == nil)
        // Written back without the field, as it was read.
        #expect(!String(decoding: try JSONEncoder().encode(article), as: UTF8.self).contains("language"))
    }
}

import SwarmCore
import SwarmProtocol
import Testing

/// Issue 27, item 4: a ticket's language, given or detected, and inference reading its words in it.
@Suite("A ticket's language")
struct TicketLanguageTests {
    func open(_ title: String, _ description: String, language: String? = nil) -> Command {
        .client(
            .ticketOpen(
                TicketOpen(
                    title: title, description: description, category: .other, urgency: .low, impact: .low,
                    language: language)))
    }

    @Test("given, detected, or absent when the words do not tell; anything but de or en is refused")
    func languages() throws {
        var world = World()
        try world.run(
            open("Drucker", "Der Drucker im Büro hat wieder einen Papierstau und druckt nicht mehr."), by: requester)
        #expect(world.ticket("T-1").language == "de")
        try world.run(
            open("Printer", "The printer in the office is jammed again and does not print any more."), by: requester)
        #expect(world.ticket("T-2").language == "en")
        #expect(world.ticket("T-2").inferredSkills == ["printer"], "printer, read as English")
        try world.run(open("VPN", "VPN"), by: requester)
        #expect(world.ticket("T-3").language == nil)
        try world.run(open("VPN", "VPN", language: "de"), by: requester)
        #expect(world.ticket("T-4").language == "de")
        #expect(world.refuses(open("VPN", "VPN", language: "fr"), by: requester, .invalid))
        #expect(SwarmState.replaying(world.log) == world.state)
    }
}

import Foundation
import SwarmCore
import SwarmProtocol
import Testing

/// `ticket.open {requester, via}` in the pure rules: who may name a requester, the name's form, and
/// how a ticket came in when nobody says.
@Suite("ticket.open for a requester, and via")
struct ViaTests {
    func open(_ requester: String? = nil, via: Via? = nil, dedupKey: String? = nil) -> Command {
        .client(
            .ticketOpen(
                TicketOpen(
                    title: "Cannot print", description: "", category: .hardware, urgency: .low, impact: .low,
                    dedupKey: dedupKey, requester: requester, via: via)))
    }

    @Test("staff open for a requester's name or an address (domain lower-cased); the ticket is hers")
    func staffNameARequester() throws {
        var world = World()
        try world.run(open("rita", via: .phone), by: alice)
        #expect(world.ticket("T-1").requester == "rita" && world.ticket("T-1").via == .phone)
        #expect(Policy.canRead(requester, world.ticket("T-1")))
        #expect(!Policy.canRead(otherRequester, world.ticket("T-1")))
        try world.run(open("Rita@Example.ORG", via: .walkIn), by: lead)
        #expect(world.ticket("T-2").requester == "Rita@example.org" && world.ticket("T-2").via == .walkIn)
        #expect(world.refuses(open("alice"), by: alice, .invalid), "staff cannot name themselves")
        #expect(world.refuses(open("rita smith"), by: alice, .invalid))
        #expect(world.refuses(open("rita@example"), by: alice, .invalid))
    }

    @Test("a requester names herself or nobody, and says portal or nothing")
    func requesterRules() throws {
        var world = World()
        try world.run(open("rita", via: .portal), by: requester)
        #expect(world.ticket("T-1").requester == "rita" && world.ticket("T-1").via == .portal)
        #expect(world.refuses(open("rob"), by: requester, .forbidden))
        #expect(world.refuses(open(via: .phone), by: requester, .forbidden))
        // A monitor holding a requester's token: an alert's ticket comes from monitoring.
        try world.run(open(via: .monitoring, dedupKey: "db1/disk"), by: requester)
        #expect(world.ticket("T-2").via == .monitoring)
    }

    @Test("defaults: requester portal, staff api, an alert's key monitoring")
    func defaults() throws {
        var world = World()
        try world.run(open(), by: requester)
        try world.run(open(), by: alice)
        try world.run(open(dedupKey: "db1/disk"), by: alice)
        #expect(["T-1", "T-2", "T-3"].map { world.ticket($0).via } == [.portal, .api, .monitoring])
    }

    @Test("a ticket logged before via reads monitoring with an alert, portal otherwise; new ones keep theirs")
    func oldLogs() throws {
        var world = World()
        try world.run(open("rita", via: .chat), by: alice)
        try world.run(open(dedupKey: "db1/disk"), by: alice)
        for (id, expected) in [("T-1", Via.portal), ("T-2", .monitoring)] {
            var json = try #require(
                try JSONSerialization.jsonObject(with: try SwarmJSON.shared.encode(world.ticket(id))) as? [String: Any])
            #expect(json["via"] != nil)
            json["via"] = nil
            let old = try JSONDecoder().decode(Ticket.self, from: try JSONSerialization.data(withJSONObject: json))
            #expect(old.via == expected, "\(id)")
        }
        let chat = try JSONDecoder().decode(Ticket.self, from: try SwarmJSON.shared.encode(world.ticket("T-1")))
        #expect(chat.via == .chat)
    }

    @Test(
        "the requester field's forms",
        arguments: [
            ("rita", "rita"), ("r.smith-2", "r.smith-2"), ("rita@example.com", "rita@example.com"),
            ("Rita.O'Neil+desk@Mail.Example.COM", "Rita.O'Neil+desk@mail.example.com"),
        ])
    func forms(text: String, id: String) {
        #expect(RequesterName(parsing: text)?.id == id)
    }

    @Test(
        "what is neither a name nor an address",
        arguments: [
            "", "rita smith", "rita@", "@example.com", "a@b@example.com", "rita@localhost", "rita@-x.com",
            "rita@x-.com", ".rita@example.com", "ri..ta@example.com", "rita@exa_mple.com",
            String(repeating: "a", count: 65) + "@example.com", "rita@" + String(repeating: "a.", count: 126) + "com",
            "rité@example.com",
        ])
    func notForms(text: String) {
        #expect(RequesterName(parsing: text) == nil, "\(text)")
    }
}

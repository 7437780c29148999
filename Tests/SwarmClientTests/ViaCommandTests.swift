import Foundation
import SwarmClient
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmTestSupport
import Testing

/// `swarm open --for … --via …` and `swarm show`'s "via", through the built binary.
@Suite("swarm open for a caller")
struct ViaCommandTests {
    @Test("an agent records a call for an address; the ticket says how it came in; bad values refused locally")
    func openForCaller() async throws {
        try await withHub(configure: { $0.mailDomains = ["example.com"] }) { hub in
            let token = try await hub.token("alice", .agent)
            let cli = try SwarmCLI()
            #expect(try await cli.run(["login", "--server", hub.httpBase, "--token", token]).status == 0)
            let opened = try await cli.run([
                "open", "--for", "rita@example.com", "--via", "phone", "--title", "Cannot print",
            ])
            #expect(opened.status == 0, "\(opened.err)")
            #expect(opened.out.hasPrefix("opened T-1 "), "\(opened.out)")
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.requester == "rita@example.com" && ticket.via == .phone)
            let shown = try await cli.run(["show", "T-1"])
            #expect(shown.status == 0, "\(shown.err)")
            #expect(shown.out.contains("rita@example.com"))
            #expect(
                shown.out.split(separator: "\n").contains { $0.contains("via") && $0.contains("phone") }, "\(shown.out)"
            )
            // Refused before anything is sent, with a usage status.
            let badVia = try await cli.run(["open", "--for", "rita@example.com", "--via", "fax", "--title", "x"])
            #expect(badVia.status == 64)
            #expect(badVia.err.contains("fax"), "\(badVia.err)")
            let badFor = try await cli.run(["open", "--for", "rita at example", "--title", "x"])
            #expect(badFor.status == 64)
            #expect(badFor.err.contains("--for 'rita at example' is neither a requester's name"), "\(badFor.err)")
            // The hub's refusal, for a domain it does not take.
            let foreign = try await cli.run(["open", "--for", "rita@example.net", "--via", "phone", "--title", "x"])
            #expect(foreign.status != 0)
            #expect(foreign.err.contains("example.net is not an allowed mail domain"), "\(foreign.err)")
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
            // The lead's metrics: a second table, by how tickets came in.
            let lead = try SwarmCLI()
            let lena = try await hub.token("lena", .lead)
            #expect(try await lead.run(["login", "--server", hub.httpBase, "--token", lena]).status == 0)
            let metrics = try await lead.run(["metrics"])
            #expect(metrics.status == 0, "\(metrics.err)")
            let lines = metrics.out.split(separator: "\n").map(String.init)
            let heading = try #require(lines.firstIndex { $0.contains("by how tickets came in") }, "\(metrics.out)")
            #expect(lines[heading + 1].split(separator: " ") == ["phone"], "only the ways that brought a ticket")
            #expect(lines[heading + 2].hasPrefix("Tickets opened") && lines[heading + 2].hasSuffix(" 1"))
        }
    }
}

import Foundation
import SwarmCore
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmHub

/// Issue 27, item 3, through the real hub: the status a requester sees follows the work.
@Suite("State that follows the work, through the hub")
struct FollowWorkHubTests {
    @Test("join → in progress, a question → waiting, her answer → in progress: live to her and in REST")
    func requesterSeesTheWork() async throws {
        try await withHub { hub in
            let ritaToken = try await hub.token("rita", .requester)
            let aliceToken = try await hub.token("alice")
            try await withClient(hub.url) { rita in
                try await rita.hello(ritaToken)
                let opened = try await rita.command(openFrame("Printer jams on every page"))
                let id = try #require(opened.ticket)
                try await rita.command(["type": "subscribe", "channels": ["ticket:\(id)"]])
                func status() async throws -> String? {
                    let detail = try await fetchText(hub.httpBase + "/v1/tickets/\(id)", token: ritaToken)
                    let json = try JSONSerialization.jsonObject(with: Data(detail.body.utf8)) as? [String: Any]
                    return (json?["ticket"] as? [String: Any])?["status"] as? String
                }
                #expect(try await status() == "new")
                try await withClient(hub.url) { alice in
                    try await alice.hello(aliceToken)
                    try await alice.command(["type": "swarm.join", "ticket": id])
                    #expect(try await status() == "in_progress")
                    try await alice.command([
                        "type": "comment.add", "ticket": id, "body": "Which tray do you print from?",
                        "visibility": "public", "waiting": true,
                    ])
                    #expect(try await status() == "waiting")
                }
                try await rita.command(["type": "comment.add", "ticket": id, "body": "The lower one."])
                #expect(try await status() == "in_progress")
                let changes = try await rita.drainEvents().compactMap { frame -> String? in
                    guard case .statusChanged(let from, let to, _) = frame.event.payload else { return nil }
                    return "\(frame.event.actor): \(from.rawValue)→\(to.rawValue)"
                }
                #expect(
                    changes == [
                        "swarmd: new→in_progress", "swarmd: in_progress→waiting", "swarmd: waiting→in_progress",
                    ])
                let ticket = try #require(hub.ledger.snapshot.state.tickets[id])
                #expect(ticket.owners.isEmpty && ticket.firstResponseAt != nil)
            }
        }
    }
}

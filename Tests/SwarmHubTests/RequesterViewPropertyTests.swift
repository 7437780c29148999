import Foundation
import SwarmCore
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

/// Invariant 6 as a property: over generated histories, everything each requester receives by every
/// path — live on her personal channel, resumed with `since`, the REST list, each ticket's detail and
/// its pages of comments and events, and other people's tickets — equals the set she may see,
/// computed here from the whole log by a rule written apart from the hub's (`Policy.view`).
@Suite("Property: a requester receives exactly what she may see, on every path (invariant 6)")
struct RequesterViewPropertyTests {
    typealias Seeded = SplitMix64

    static let requesters = ["rita", "rob", "ruth"]
    static let staff = ["alice", "bob"]
    /// Every internal text carries it; no requester's byte may.
    static let marker = "INTERNAL-TALK"

    /// The event types a requester may receive of her own tickets (README §31), restated for the test.
    static let publicTypes: Set<String> = [
        "ticket.opened", "swarm.joined", "swarm.left", "owner.added", "owner.removed", "status.changed",
        "kb.suggested", "kb.applied", "alert.repeated", "alert.recovered", "comment.added",
    ]

    @Test("generated histories", arguments: [1, 2, 3] as [UInt64])
    func generated(seed: UInt64) async throws {
        try await withHub { hub in
            var tokens: [String: String] = [:]
            for name in Self.requesters { tokens[name] = try await hub.token(name, .requester) }
            for name in Self.staff { tokens[name] = try await hub.token(name, .agent) }
            try await withPeople(hub, tokens, names: Self.requesters + Self.staff) { clients in
                // Each requester follows her personal channel live from the start.
                try await withWatchers(hub, tokens) { watchers in
                    var random = Seeded(state: seed)
                    try await generate(140, clients: clients, random: &random)
                    try await check(hub, tokens, watchers: watchers)
                }
            }
        }
    }

    /// Runs `body` with a signed-in client per name.
    func withPeople(
        _ hub: TestHub, _ tokens: [String: String], names: [String], done: [String: TestClient] = [:],
        _ body: ([String: TestClient]) async throws -> Void
    ) async throws {
        guard let name = names.first else { return try await body(done) }
        try await withClient(hub.url) { client in
            try await client.hello(tokens[name]!)
            var done = done
            done[name] = client
            try await withPeople(hub, tokens, names: Array(names.dropFirst()), done: done, body)
        }
    }

    /// Runs `body` with a connection per requester subscribed to her personal channel.
    func withWatchers(
        _ hub: TestHub, _ tokens: [String: String], _ body: ([String: TestClient]) async throws -> Void
    ) async throws {
        try await withPeople(hub, tokens, names: Self.requesters) { watchers in
            for (name, watcher) in watchers {
                try await watcher.command(["type": "subscribe", "channels": ["agent:\(name)"]])
            }
            try await body(watchers)
        }
    }

    /// Sends `count` random commands; the hub may refuse some (a status it does not allow), which is
    /// part of the history too.
    func generate(_ count: Int, clients: [String: TestClient], random: inout Seeded) async throws {
        var tickets: [String] = []
        for step in 0..<count {
            let roll = Int.random(in: 0..<100, using: &random)
            let requester = Self.requesters.randomElement(using: &random)!
            let agent = Self.staff.randomElement(using: &random)!
            let ticket = tickets.randomElement(using: &random)
            var frame: [String: Any]
            var by = agent
            switch roll {
            case 0..<14 where tickets.count < 12, _ where ticket == nil:
                by = requester
                frame = [
                    "type": "ticket.open", "title": "problem \(step)", "description": "it broke at \(step)",
                    "category": "network", "urgency": "medium", "impact": "low",
                ]
            case 0..<24: frame = ["type": "swarm.join", "ticket": ticket!]
            case 24..<44:
                frame = ["type": "comment.add", "ticket": ticket!, "body": "\(Self.marker) \(step)"]
            case 44..<58:
                frame = ["type": "comment.add", "ticket": ticket!, "body": "reply \(step)", "visibility": "public"]
            case 58..<68:
                // A requester writes on a ticket that may or may not be hers (refused if not).
                by = requester
                frame = ["type": "comment.add", "ticket": ticket!, "body": "from \(requester) \(step)"]
            case 68..<74: frame = ["type": "work.log", "ticket": ticket!, "minutes": 5, "note": "\(Self.marker) w"]
            case 74..<80:
                frame = [
                    "type": "help.request", "ticket": ticket!, "skills": ["network"], "note": "\(Self.marker) h",
                ]
            case 80..<86: frame = ["type": "owner.add", "ticket": ticket!, "agent": agent]
            case 86..<94:
                let status = ["in_progress", "waiting", "resolved", "open"].randomElement(using: &random)!
                frame = ["type": "ticket.status", "ticket": ticket!, "status": status, "resolution": "done \(step)"]
            default:
                frame = ["type": "swarm.leave", "ticket": ticket!]
            }
            let client = clients[by]!
            let id = "g\(step)"
            frame["id"] = id
            try await client.send(frame)
            let (answer, _) = try await client.reply(to: id)
            if case .ack(let ack) = answer, let opened = ack.ticket, frame["type"] as? String == "ticket.open" {
                tickets.append(opened)
            }
        }
    }

    /// What `requester` may see of the log, by a rule written here: the seqs of events of tickets she
    /// asked for, of the public types, without internal notes (her own comments are public).
    func expected(for requester: String, in log: [StoredEvent]) -> (seqs: [Int64], tickets: Set<String>) {
        var hers = Set<String>()
        var seqs: [Int64] = []
        for stored in log {
            let event = stored.event
            if case .ticketOpened(let ticket) = event.payload, ticket.requester == requester { hers.insert(ticket.id) }
            guard let ticket = event.ticket, hers.contains(ticket), Self.publicTypes.contains(event.type.rawValue)
            else {
                continue
            }
            if case .commentAdded(let comment) = event.payload, comment.visibility != .public,
                comment.author != requester
            {
                continue
            }
            seqs.append(stored.seq)
        }
        return (seqs, hers)
    }

    func check(_ hub: TestHub, _ tokens: [String: String], watchers: [String: TestClient]) async throws {
        var log: [StoredEvent] = []
        try await hub.store.forEachEvent { log.append($0) }
        let allTickets = Set(log.compactMap(\.event.ticket))
        for requester in Self.requesters {
            let token = tokens[requester]!
            let (seqs, hers) = expected(for: requester, in: log)
            // Live, on her personal channel since before the first command.
            let live = try await rawFrames(watchers[requester]!)
            #expect(live.allSatisfy { !$0.contains(Self.marker) }, "\(requester): internal text live")
            #expect(try events(in: live).map(\.seq) == seqs, "\(requester): live")
            // Resumed from 0 on her channel and each of her tickets.
            try await withClient(hub.url) { client in
                try await client.hello(token)
                let channels = ["agent:\(requester)"] + hers.sorted().map { "ticket:\($0)" }
                try await client.command(["type": "subscribe", "channels": channels, "since": 0])
                let replayed = try await rawFrames(client)
                #expect(replayed.allSatisfy { !$0.contains(Self.marker) }, "\(requester): internal text resumed")
                #expect(try events(in: replayed).map(\.seq) == seqs, "\(requester): resume")
            }
            // REST: the list is hers; each ticket's event pages are what she may see of it.
            let list = try await fetchText(hub.httpBase + "/v1/tickets?limit=500", token: token)
            #expect(!list.body.contains(Self.marker))
            let listed = try JSONDecoder().decode(TicketList.self, from: Data(list.body.utf8))
            #expect(Set(listed.tickets.map(\.id)) == hers, "\(requester): list")
            var restSeqs: [Int64] = []
            for ticket in hers.sorted(by: { Ticket.number(of: $0) < Ticket.number(of: $1) }) {
                let detail = try await fetchText(hub.httpBase + "/v1/tickets/\(ticket)?limit=500", token: token)
                #expect(detail.status == 200 && !detail.body.contains(Self.marker), "\(ticket)")
                let decoded = try JSONDecoder().decode(TicketDetail.self, from: Data(detail.body.utf8))
                let expectedComments = log.filter { stored in
                    guard stored.event.ticket == ticket, case .commentAdded(let comment) = stored.event.payload else {
                        return false
                    }
                    return comment.visibility == .public || comment.author == requester
                }
                #expect(decoded.commentCount == expectedComments.count, "\(ticket): comment count")
                #expect(decoded.ticket.comments.map(\.number) == (0..<expectedComments.count).map { $0 + 1 })
                var after: Int64 = 0
                while true {
                    let page = try await fetchText(
                        hub.httpBase + "/v1/tickets/\(ticket)/events?after=\(after)&limit=7", token: token)
                    #expect(!page.body.contains(Self.marker))
                    let events = try JSONDecoder().decode(EventPage.self, from: Data(page.body.utf8))
                    restSeqs += events.events.map(\.seq)
                    guard events.more, let last = events.events.last else { break }
                    after = last.seq
                }
            }
            #expect(restSeqs.sorted() == seqs, "\(requester): REST event pages")
            // Everyone else's tickets do not exist for her.
            for other in allTickets.subtracting(hers) {
                #expect(try await fetchText(hub.httpBase + "/v1/tickets/\(other)", token: token).status == 404)
            }
        }
    }
}

extension Ticket {
    /// The number of a ticket id, for sorting.
    static func number(of id: String) -> Int { Int(id.dropFirst(2)) ?? 0 }
}

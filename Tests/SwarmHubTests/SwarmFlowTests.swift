import Foundation
import HTTPTypes
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

func openFrame(_ title: String, queue: String? = nil) -> [String: Any] {
    var frame: [String: Any] = [
        "type": "ticket.open", "title": title, "description": "details", "category": "network",
        "urgency": "high", "impact": "high",
    ]
    if let queue { frame["queue"] = queue }
    return frame
}

@Suite("Live hub: swarms end to end")
struct SwarmFlowTests {
    @Test("three agents swarm a ticket; every subscriber sees each event once, in seq order")
    func threeAgentsSwarm() async throws {
        try await withHub { hub in
            let tokens = (
                rita: try await hub.token("rita", .requester), alice: try await hub.token("alice"),
                bob: try await hub.token("bob", .expert), lena: try await hub.token("lena", .lead)
            )
            try await withClient(hub.url) { watcher in
                try await watcher.hello(tokens.lena)
                try await watcher.command(["type": "subscribe", "channels": ["queue:general"]])
                let (opened, ticketID): (Ack, String) = try await withClient(hub.url) { rita in
                    try await rita.hello(tokens.rita)
                    let ack = try await rita.command(openFrame("Wi-Fi down on floor 3"))
                    return (ack, ack.ticket!)
                }
                #expect(ticketID == "T-1")
                // Seq 1: lena (a lead) came online; rita is a requester, whose presence is not tracked.
                #expect(opened.seq == 2)
                try await withClient(hub.url) { alice in
                    try await withClient(hub.url) { bob in
                        try await alice.hello(tokens.alice)
                        try await bob.hello(tokens.bob)
                        try await alice.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                        try await bob.command(["type": "subscribe", "channels": ["ticket:T-1", "agent:bob"]])
                        try await alice.command(["type": "swarm.join", "ticket": "T-1"])
                        try await bob.command(["type": "swarm.join", "ticket": "T-1"])
                        try await alice.command(["type": "owner.add", "ticket": "T-1", "agent": "alice"])
                        try await alice.command(["type": "owner.add", "ticket": "T-1", "agent": "bob"])
                        try await bob.command(["type": "comment.add", "ticket": "T-1", "body": "AP 3 lost its uplink"])
                        let last = try await alice.command([
                            "type": "ticket.status", "ticket": "T-1", "status": "resolved",
                            "resolution": "replaced the patch cable",
                        ])
                        // Seq 3 and 4: alice and bob came online.
                        #expect(last.seq == 11)
                        // Alice's join moved the new ticket in progress (seq 6, by the hub).
                        let expected: [(Int64, EventType)] = [
                            (5, .swarmJoined), (6, .statusChanged), (7, .swarmJoined), (8, .ownerAdded),
                            (9, .ownerAdded), (10, .commentAdded), (11, .statusChanged),
                        ]
                        for client in [alice, bob] {
                            let events = try await client.drainEvents()
                            #expect(events.map(\.seq) == expected.map(\.0))
                            #expect(events.map(\.event.type) == expected.map(\.1))
                            #expect(events.allSatisfy { $0.channel == "ticket:T-1" })
                        }
                    }
                }
                let events = try await watcher.drainEvents()
                #expect(events.map(\.seq) == [2] + Array(5...11))
                #expect(events.allSatisfy { $0.channel == "queue:general" })
                guard case .ticketOpened(let ticket) = events.first?.event.payload else {
                    Issue.record("the first event should open the ticket")
                    return
                }
                #expect(ticket.priority == .p1)
            }
            let final = hub.ledger.snapshot.state.tickets["T-1"]
            #expect(final?.status == .resolved)
            #expect(final?.owners == ["alice", "bob"])
            #expect(final?.comments.map(\.body) == ["AP 3 lost its uplink"])
        }
    }

    @Test("a broadcast reaches exactly the subscribers of its channel")
    func broadcastReachesOnlySubscribers() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let bob = try await hub.token("bob")
            try await withClient(hub.url) { a in
                try await withClient(hub.url) { b in
                    try await a.hello(alice)
                    try await b.hello(bob)
                    try await a.command(openFrame("one"))
                    try await a.command(openFrame("two", queue: "hardware"))
                    try await a.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                    try await b.command(["type": "subscribe", "channels": ["queue:hardware"]])
                    try await a.command(["type": "comment.add", "ticket": "T-1", "body": "for T-1 only"])
                    try await a.command(["type": "comment.add", "ticket": "T-2", "body": "for hardware"])
                    let seenByA = try await a.drainEvents()
                    let seenByB = try await b.drainEvents()
                    #expect(seenByA.map(\.event.ticket) == ["T-1"])
                    #expect(seenByB.map(\.event.ticket) == ["T-2"])
                    #expect(seenByB.map(\.channel) == ["queue:hardware"])
                    try await b.command(["type": "unsubscribe", "channels": ["queue:hardware"]])
                    try await a.command(["type": "comment.add", "ticket": "T-2", "body": "nobody listens"])
                    #expect(try await b.drainEvents().isEmpty)
                }
            }
        }
    }

    @Test("an event on several subscribed channels arrives once, labelled with the most specific")
    func onePerConnection() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                try await a.command(openFrame("overlap"))
                try await a.command(["type": "subscribe", "channels": ["agent:alice", "queue:general", "ticket:T-1"]])
                try await a.command(["type": "swarm.join", "ticket": "T-1"])
                let events = try await a.drainEvents()
                #expect(events.count == 1)
                #expect(events.first?.channel == "ticket:T-1")
            }
        }
    }

    @Test("a retried command id gets the first ack and has no second effect")
    func idempotentRetry() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let frame = openFrame("printer on fire").merging(["id": "open-1"]) { $1 }
            let first = try await withClient(hub.url) { c in
                try await c.hello(alice)
                return try await c.command(frame)
            }
            // Reconnect, as a client would after losing the connection before reading the ack.
            let second = try await withClient(hub.url) { c in
                try await c.hello(alice)
                return try await c.command(frame)
            }
            #expect(first == second)
            #expect(first.ticket == "T-1")
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
            #expect(try await hub.store.lastSeq() == 2, "alice online, then one ticket")
            // The same id from another agent is another command.
            let bob = try await hub.token("bob")
            let other = try await withClient(hub.url) { c in
                try await c.hello(bob)
                return try await c.command(frame)
            }
            #expect(other.ticket == "T-2")
        }
    }

    @Test("resume with since yields exactly the missed events, then live ones")
    func resumeAfterDisconnect() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let bob = try await hub.token("bob")
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                try await a.command(openFrame("flaky VPN"))
            }
            let lastSeen: Int64 = try await withClient(hub.url) { b in
                try await b.hello(bob)
                try await b.command(["type": "subscribe", "channels": ["ticket:T-1"], "since": 0])
                let events = try await b.drainEvents()
                #expect(events.map(\.seq) == [2], "1 is alice coming online; 3 is bob")
                return events.last!.seq
            }
            // While bob is away: three more events on T-1, one elsewhere.
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                try await a.command(["type": "swarm.join", "ticket": "T-1"])
                try await a.command(openFrame("unrelated"))
                try await a.command(["type": "comment.add", "ticket": "T-1", "body": "tunnel resets at 14:00"])
                try await a.command(["type": "owner.add", "ticket": "T-1", "agent": "alice"])
            }
            try await withClient(hub.url) { b in
                try await b.hello(bob)
                try await b.send(["type": "subscribe", "id": "resume", "channels": ["ticket:T-1"], "since": lastSeen])
                guard case .ack(let ack) = try await b.next() else {
                    throw TestFailure("expected the subscribe ack first")
                }
                #expect(ack.seq == 7)
                try await withClient(hub.url) { a in
                    try await a.hello(alice)
                    try await a.command(["type": "comment.add", "ticket": "T-1", "body": "live now"])
                }
                let events = try await b.drainEvents()
                #expect(events.map(\.seq) == [4, 6, 7, 8])
            }
        }
    }

    @Test("the log's epoch is in welcome and the subscribe ack; a resume in another is refused, subscribing nothing")
    func epochGuardsTheResume() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let epoch = try await hub.store.epoch()
            #expect(epoch.utf8.count == 16 && epoch.allSatisfy(\.isHexDigit), "\(epoch)")
            try await withClient(hub.url) { a in
                let welcome = try await a.hello(alice)
                #expect(welcome.epoch == epoch)
                try await a.command(openFrame("flaky VPN"))
                let live = try await a.command(["type": "subscribe", "channels": ["queue:general"]])
                #expect(live.epoch == epoch, "the ack of a live-only subscribe carries it too")
                let resumed = try await a.command([
                    "type": "subscribe", "channels": ["ticket:T-1"], "since": 0, "epoch": epoch,
                ])
                #expect(resumed.epoch == epoch)
                _ = try await a.drainEvents()
            }
            try await withClient(hub.url) { b in
                try await b.hello(alice)
                let stale = try await b.failing([
                    "type": "subscribe", "channels": ["ticket:T-1", "agent:alice"], "since": 2,
                    "epoch": "0123456789abcdef",
                ])
                #expect(stale.code == .epochChanged)
                #expect(stale.message.contains(epoch), "\(stale.message)")
                let mistyped = try await b.failing([
                    "type": "subscribe", "channels": ["ticket:T-1"], "since": 2, "epoch": 7,
                ])
                #expect(mistyped.code == .invalidField, "\(mistyped.message)")
                // Nothing was subscribed: a comment on T-1 reaches b only once b subscribes.
                try await withClient(hub.url) { a in
                    try await a.hello(alice)
                    try await a.command(["type": "comment.add", "ticket": "T-1", "body": "not for b yet"])
                }
                #expect(try await b.drainEvents().isEmpty, "the refused subscribe added no channel")
            }
        }
    }

    @Test("replay and live events join without gap or duplicate while others keep writing")
    func resumeUnderConcurrentWrites() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let bob = try await hub.token("bob")
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                try await a.command(openFrame("busy ticket"))
                for i in 0..<200 {
                    try await a.command(["type": "comment.add", "ticket": "T-1", "body": "early \(i)"])
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withClient(hub.url) { a in
                        try await a.hello(alice)
                        for i in 0..<200 {
                            try await a.command(["type": "comment.add", "ticket": "T-1", "body": "during \(i)"])
                        }
                    }
                }
                try await withClient(hub.url) { b in
                    try await b.hello(bob)
                    try await b.command(["type": "subscribe", "channels": ["ticket:T-1"], "since": 0])
                    try await group.waitForAll()
                    let events = try await b.drainEvents()
                    // Alice came online at 1 and opened T-1 at 2; 400 comments follow, with bob's coming
                    // online somewhere among them: every T-1 event in order, and only that one missing.
                    let seqs = events.map(\.seq)
                    #expect(seqs.count == 401)
                    #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 })
                    let missing = Set(Int64(2)...403).subtracting(seqs)
                    #expect(missing.count == 1)
                    let seqOfBob = missing.first ?? 0
                    let other = try await hub.store.events(
                        onChannels: ["agent:bob"], after: seqOfBob - 1, through: seqOfBob
                    )
                    .first
                    #expect(other?.event.type == .presenceChanged)
                }
            }
        }
    }

    @Test("subscribing to more channels later replays what the earlier ones did not send, and nothing twice")
    func laterSubscriptionReplaysOnlyUnsent() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                // 1: alice came online
                try await a.command(openFrame("first"))  // 2: T-1, queue:general
                try await a.command(["type": "swarm.join", "ticket": "T-1"])  // 3
                try await a.command(["type": "subscribe", "channels": ["ticket:T-1"]])  // live after 3
                try await a.command(["type": "comment.add", "ticket": "T-1", "body": "live"])  // 4, sent live
                try await a.command(openFrame("second"))  // 5: T-2 only on queue:general
                #expect(try await a.drainEvents().map(\.seq) == [4])
                try await a.command(["type": "subscribe", "channels": ["queue:general"], "since": 0])
                // 2 and 3 were never sent (before ticket:T-1 went live); 4 was; 5 is new to this connection.
                let replayed = try await a.drainEvents()
                #expect(replayed.map(\.seq) == [2, 3, 5])
                #expect(replayed.allSatisfy { $0.channel == "queue:general" })
            }
        }
    }
}

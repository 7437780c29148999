import SwarmCore
import SwarmProtocol
import Testing

@Suite("Roles")
struct PolicyTests {
    @Test func requestersSeeOnlyTheirOwnTickets() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        try world.run(.comment(ticket: "T-1", body: "any news?"), by: requester)
        #expect(world.refuses(.comment(ticket: "T-1", body: "hi"), by: otherRequester, .notFound))
        #expect(Policy.canRead(requester, world.ticket()))
        #expect(!Policy.canRead(otherRequester, world.ticket()))
        #expect(Policy.canRead(alice, world.ticket()))
    }

    @Test func requestersDoNotWorkTickets() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        #expect(world.refuses(.join(ticket: "T-1"), by: requester, .forbidden))
        #expect(world.refuses(.addOwner(ticket: "T-1", agent: "rita"), by: requester, .forbidden))
        #expect(
            world.refuses(.setStatus(ticket: "T-1", status: .inProgress, resolution: nil), by: requester, .forbidden))
        // …but may close or reopen once it is resolved.
        #expect(world.refuses(.setStatus(ticket: "T-1", status: .open, resolution: nil), by: requester, .forbidden))
        try world.run(.setStatus(ticket: "T-1", status: .resolved, resolution: "done"), by: alice)
        try world.run(.setStatus(ticket: "T-1", status: .closed, resolution: nil), by: requester)
        try world.run(.setStatus(ticket: "T-1", status: .open, resolution: nil), by: requester)
        #expect(world.ticket().status == .open)
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

import Foundation
import NIOCore
import SwarmCore
import SwarmProtocol
import SwarmStore
import Testing

@testable import SwarmHub

@Suite("The ledger's batch step, without a database")
struct BatchStepTests {
    let t0 = Timestamp(milliseconds: 1_795_000_000_000)
    let alice = Principal(id: "alice", role: .agent)
    let rita = Principal(id: "rita", role: .requester)
    let settings = SwarmSettings()

    func open(_ title: String) -> Command {
        .client(
            .ticketOpen(
                TicketOpen(title: title, description: "", category: .software, urgency: .low, impact: .low)))
    }

    func input(_ command: Command, _ principal: Principal, _ id: String?) -> BatchStep.Input {
        .init(command: command, principal: principal, id: id)
    }

    func ack(_ outcome: BatchStep.Outcome) -> Ack? {
        if case .acked(let ack, _) = outcome { return ack }
        return nil
    }

    @Test("a batch decides commands in order on the state the earlier ones left, with consecutive seqs")
    func decidesInOrder() throws {
        let step = BatchStep.run(
            [
                input(open("VPN down"), rita, "1"),
                input(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "on it"))), alice, "2"),
                input(.client(.commentAdd(CommentAdd(ticket: "T-9", body: "no such ticket"))), alice, "3"),
                input(open("Printer"), rita, "4"),
            ], state: SwarmState(), seq: 10, now: t0, settings: settings, acks: AckCache())
        #expect(step.append.events.map(\.seq) == Array(11...Int64(10 + step.append.events.count)))
        #expect(step.seq == step.append.events.last?.seq)
        #expect(ack(step.outcomes[0])?.ticket == "T-1")
        #expect(ack(step.outcomes[1])?.seq != nil)
        guard case .refused(let error) = step.outcomes[2] else {
            Issue.record("a comment on a missing ticket must be refused")
            return
        }
        #expect(error.code == .notFound)
        #expect(ack(step.outcomes[3])?.ticket == "T-2")
        #expect(step.append.commands.map(\.id) == ["1", "2", "4"], "a refused command leaves no ack")
        #expect(Set(step.append.tickets.map(\.id)) == ["T-1", "T-2"])
        #expect(step.touchedTickets == ["T-1", "T-2"])
        // The same as deciding them one by one.
        var state = SwarmState()
        for command: (Command, Principal) in [
            (open("VPN down"), rita), (.client(.commentAdd(CommentAdd(ticket: "T-1", body: "on it"))), alice),
            (open("Printer"), rita),
        ] {
            for event in try state.decide(command.0, by: command.1, at: t0, settings: settings) { state.apply(event) }
        }
        #expect(step.state == state)
    }

    @Test("acks are encoded once: the stored ack is the frame sent, byte for byte")
    func acksEncodedOnce() throws {
        let step = BatchStep.run(
            [input(open("VPN down"), rita, "a")], state: SwarmState(), seq: 0, now: t0, settings: settings,
            acks: AckCache())
        guard case .acked(let ack, let frame) = step.outcomes[0] else {
            Issue.record("expected an ack")
            return
        }
        #expect(step.append.commands.first?.ack == String(buffer: frame.payload))
        #expect(try JSONDecoder().decode(Ack.self, from: Data(String(buffer: frame.payload).utf8)) == ack)
        #expect(step.newAcks.map(\.id) == ["a"])
    }

    @Test("a retried command id gets its first ack and no second effect, in the same batch or a later one")
    func retries() throws {
        let first = BatchStep.run(
            [input(open("VPN down"), rita, "x"), input(open("VPN down"), rita, "x")], state: SwarmState(), seq: 0,
            now: t0, settings: settings, acks: AckCache())
        #expect(first.state.tickets.count == 1)
        #expect(ack(first.outcomes[0]) == ack(first.outcomes[1]))
        var cache = AckCache()
        for entry in first.newAcks { cache.insert(agent: entry.agent, id: entry.id, ack: entry.ack, at: t0) }
        let retry = BatchStep.run(
            [input(open("VPN down"), rita, "x"), input(open("VPN down"), alice, "x")], state: first.state,
            seq: first.seq, now: t0, settings: settings, acks: cache)
        #expect(ack(retry.outcomes[0]) == ack(first.outcomes[0]), "rita's retry")
        #expect(ack(retry.outcomes[1])?.ticket == "T-2", "the same id from another agent is another command")
        #expect(retry.state.tickets.count == 2)
        #expect(retry.append.events.allSatisfy { $0.event.actor == "alice" })
    }

    @Test("a batch of refused commands appends nothing and leaves the state as it was")
    func refusedOnly() {
        let state = SwarmState()
        let step = BatchStep.run(
            [
                input(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "x"))), alice, "1"),
                input(.client(.swarmJoin(TicketRef(ticket: "T-2"))), alice, nil),
            ],
            state: state, seq: 5, now: t0, settings: settings, acks: AckCache())
        #expect(step.append.events.isEmpty && step.append.commands.isEmpty && step.append.tickets.isEmpty)
        #expect(step.seq == 5)
        #expect(step.state == state)
    }
}

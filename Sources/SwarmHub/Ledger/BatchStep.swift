import Foundation
import NIOCore
import SwarmCore
import SwarmProtocol
import SwarmStore

/// The ledger's decision for one group commit, as a value: the committed state and the commands
/// that waited go in; the next state, the batch to append, each command's outcome and what to
/// publish come out. No I/O, no locks, no clock: the ledger's loop does those, and tests run this
/// without a database.
///
/// Commands are decided one after the other against the state the earlier ones left, so a batch
/// gives exactly what deciding the commands one by one would have given. A refused command changes
/// nothing, and a command the same agent sent before with the same id (within the idempotency
/// window) is not decided again: it gets its first ack.
struct BatchStep {
    /// A command waiting for the writer.
    struct Input: Sendable {
        var command: Command
        var principal: Principal
        /// The client's command id; `nil` for the hub's own commands, which are never retried.
        var id: String?
    }

    /// What became of one command.
    enum Outcome: Sendable {
        /// Accepted (or a retry of an accepted one): its ack, and the ack frame encoded once.
        case acked(Ack, frame: WireFrame)
        /// Refused: nothing changed.
        case refused(HubError)

        /// The outcome as a `Result`, for callers that want the value.
        var result: Result<Ack, HubError> {
            switch self {
            case .acked(let ack, _): .success(ack)
            case .refused(let error): .failure(error)
            }
        }
    }

    /// The step's output.
    struct Output: Sendable {
        /// The state after the batch; the committed state once the append succeeds.
        var state: SwarmState
        /// The last `seq` after the batch.
        var seq: Int64
        /// What to append, in one transaction.
        var append: AppendBatch
        /// One outcome per input, in order.
        var outcomes: [Outcome]
        /// Acks to remember for retries, once the batch is durable.
        var newAcks: [(agent: String, id: String, ack: Ack)]
        /// Tickets the batch touched, for the deadline index.
        var touchedTickets: [String]
    }

    /// Decides `inputs` against `state`, whose last event has `seq`, at `now`.
    static func run(
        _ inputs: [Input], state: SwarmState, seq: Int64, now: Timestamp, settings: SwarmSettings,
        acks: AckCache
    ) -> Output {
        var output = Output(
            state: state, seq: seq, append: AppendBatch(), outcomes: [], newAcks: [], touchedTickets: [])
        output.append.afterSeq = seq
        output.outcomes.reserveCapacity(inputs.count)
        var touchedArticles: [String] = []
        let encoder = SwarmJSON.shared
        for input in inputs {
            if let id = input.id,
                let ack = output.newAcks.last(where: { $0.agent == input.principal.id && $0.id == id })?.ack
                    ?? acks.ack(agent: input.principal.id, id: id)
            {
                output.outcomes.append(encoded(ack, encoder: encoder))
                continue
            }
            do {
                let events = try output.state.decide(input.command, by: input.principal, at: now, settings: settings)
                // Encode first: it is the only step that can fail, so a command is applied whole
                // or not at all, without copying the state (a copy would cost every ticket).
                let jsons = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                for (event, json) in zip(events, jsons) {
                    output.seq += 1
                    let context = output.state.routingContext(for: event)
                    output.state.apply(event)
                    let channels = output.state.channels(for: event, context: context).map(\.description)
                    output.append.events.append(
                        StoredEvent(seq: output.seq, channels: channels, event: event, json: json))
                    if let ticket = event.ticket, !output.touchedTickets.contains(ticket) {
                        output.touchedTickets.append(ticket)
                    }
                    switch event.payload {
                    case .kbCreated(let article): touchedArticles.append(article.id)
                    case .kbPublished(let id): touchedArticles.append(id)
                    default: break
                    }
                }
                let ack = Self.ack(for: input, events: events, lastSeq: output.seq, in: output.state)
                let frame = try encoder.encode(ack)
                if let id = input.id {
                    output.append.commands.append(
                        CommandRecord(
                            agent: input.principal.id, id: id, ack: String(decoding: frame, as: UTF8.self), at: now))
                    output.newAcks.append((input.principal.id, id, ack))
                }
                output.outcomes.append(.acked(ack, frame: WireFrame(json: frame)))
            } catch let error as DomainError {
                output.outcomes.append(.refused(HubError(error)))
            } catch {
                output.outcomes.append(.refused(HubError(.internal, "could not encode the event: \(error)")))
            }
        }
        output.append.tickets = output.touchedTickets.compactMap { output.state.tickets[$0] }
        output.append.articles = touchedArticles.compactMap { output.state.articles[$0] }
        return output
    }

    /// The ack of an accepted command: the `seq` of its last event, and what the command made
    /// (`state` is the state after its events).
    static func ack(for input: Input, events: [SwarmEvent], lastSeq: Int64, in state: SwarmState) -> Ack {
        var ack = Ack(id: input.id ?? "", seq: events.isEmpty ? nil : lastSeq)
        ack.describe(input.command, by: input.principal, events: events, in: state)
        if case .kbCreated(let article)? = events.first?.payload { ack.article = article.id }
        return ack
    }

    private static func encoded(_ ack: Ack, encoder: JSONEncoder) -> Outcome {
        do {
            return .acked(ack, frame: WireFrame(json: try encoder.encode(ack)))
        } catch {
            return .refused(HubError(.internal, "could not encode the ack: \(error)"))
        }
    }
}

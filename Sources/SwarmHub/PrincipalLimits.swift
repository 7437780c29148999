import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import Synchronization

/// Bounds per principal — a token's name — across all its connections and the REST API, so one token
/// cannot cost more by opening more connections (issue 24, Protocol §19, docs/operations.md "Limits"):
///
/// - **Connections per token**: a sign-in beyond it is refused (`rate_limited`, then close 4029).
/// - **Requests per principal**: one token bucket for every command frame and REST request of a name,
///   whatever connection or route it came on (`--principal-rate`, `--principal-burst`); each
///   connection keeps its own ``RateLimiter`` and flood rule besides.
/// - **What a requester may write**: bytes of text (titles, descriptions, comments) per hour, a token
///   bucket that refills over the hour, and per ticket, counted from the ticket itself (its
///   description and her comments on it), so the bound holds across restarts.
///
/// Refusals are `rate_limited` with the time to wait (REST: 429 with `Retry-After`), counted in
/// `swarm_limit_refusals_total{limit}`. Every method is a few dictionary operations under one lock.
final class PrincipalLimits: Sendable {
    struct Configuration: Sendable {
        var connectionsPerToken: Int
        var rate: Double
        var burst: Double
        var requesterBytesPerHour: Int
        var requesterBytesPerTicket: Int
    }

    /// What was refused: the limit's metric label, and the error the client gets.
    struct Refusal: Error {
        var limit: String
        var error: HubError
    }

    private struct Bucket {
        var tokens: Double
        var last: ContinuousClock.Instant

        /// Takes `amount` at `rate` per second up to `capacity`, or returns how long until it could.
        mutating func take(_ amount: Double, rate: Double, capacity: Double, now: ContinuousClock.Instant) -> Duration?
        {
            let elapsed = last.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(capacity, tokens + seconds * rate)
            last = now
            if tokens >= amount {
                tokens -= amount
                return nil
            }
            return .milliseconds(Int64(((amount - tokens) / rate * 1000).rounded(.up)))
        }
    }

    private struct State {
        var connections: [Int64: Int] = [:]
        var requests: [String: Bucket] = [:]
        var written: [String: Bucket] = [:]
    }

    let configuration: Configuration
    private let telemetry: HubTelemetry
    private let state = Mutex(State())

    init(configuration: Configuration, telemetry: HubTelemetry) {
        self.configuration = configuration
        self.telemetry = telemetry
    }

    /// Counts a connection of token `id` as open, or refuses it beyond the limit.
    func openConnection(token id: Int64, name: String) throws(Refusal) {
        let limit = configuration.connectionsPerToken
        let admitted = state.withLock { state -> Bool in
            let open = state.connections[id, default: 0]
            guard open < limit else { return false }
            state.connections[id] = open + 1
            return true
        }
        guard admitted else {
            throw refusal(
                "connections",
                HubError(
                    .rateLimited,
                    "\(name)'s token has \(limit) connections open already, the most one token may have; close one first"
                ))
        }
    }

    /// Forgets a connection counted by ``openConnection(token:name:)``.
    func closeConnection(token id: Int64) {
        state.withLock { state in
            let open = state.connections[id, default: 1] - 1
            state.connections[id] = open > 0 ? open : nil
        }
    }

    /// Takes one request of `principal` (a command frame or a REST request), or refuses it.
    func admitRequest(of principal: String, now: ContinuousClock.Instant = .now) throws(Refusal) {
        let (rate, burst) = (configuration.rate, configuration.burst)
        let wait = state.withLock { state in
            if state.requests.count > 100_000 {
                Self.forgetIdle(&state.requests, capacity: burst, rate: rate, now: now)
            }
            return state.requests[principal, default: Bucket(tokens: burst, last: now)].take(
                1, rate: rate, capacity: burst, now: now)
        }
        if let wait {
            throw refusal(
                "principal_rate",
                HubError(
                    .rateLimited,
                    "too many requests from \(principal) across all connections and REST; at most "
                        + "\(Int(rate)) per second; retry in \(Self.seconds(wait)) s", retryAfter: Self.seconds(wait)))
        }
    }

    /// Checks what a requester writes with `command` against her bytes per hour and per ticket, and
    /// takes the bytes from her hour. Staff, and commands that write no text, pass.
    func admitWrite(
        _ command: Command, by principal: Principal, in state: SwarmState, now: ContinuousClock.Instant = .now
    )
        throws(Refusal)
    {
        guard principal.role == .requester else { return }
        let bytes: Int
        switch command {
        case .client(.ticketOpen(let open)): bytes = open.title.utf8.count + open.description.utf8.count
        case .client(.commentAdd(let comment)):
            let (id, body) = (comment.ticket, comment.body)
            bytes = body.utf8.count
            // Per ticket: what the ticket holds of hers already (not a count that a restart resets).
            if let ticket = state.tickets[id], ticket.requester == principal.id {
                let written = ticket.comments.reduce(ticket.description.utf8.count) { total, comment in
                    comment.author == principal.id ? total + comment.body.utf8.count : total
                }
                let limit = configuration.requesterBytesPerTicket
                if written + bytes > limit {
                    throw refusal(
                        "requester_bytes_ticket",
                        HubError(
                            .rateLimited,
                            "\(id) holds \(written) bytes of your text; at most \(limit) per ticket: this comment "
                                + "(\(bytes) bytes) is \(written + bytes - limit) bytes over; open a new ticket"))
                }
            }
        default: return
        }
        let perHour = Double(configuration.requesterBytesPerHour)
        let wait = self.state.withLock { state in
            state.written[principal.id, default: Bucket(tokens: perHour, last: now)].take(
                Double(bytes), rate: perHour / 3600, capacity: perHour, now: now)
        }
        if let wait {
            let seconds = Self.seconds(wait)
            throw refusal(
                "requester_bytes_hour",
                HubError(
                    .rateLimited,
                    "you may write at most \(configuration.requesterBytesPerHour) bytes per hour; this "
                        + "(\(bytes) bytes) fits again in \(seconds) s",
                    retryAfter: seconds))
        }
    }

    private func refusal(_ limit: String, _ error: HubError) -> Refusal {
        telemetry.limited(limit)
        return Refusal(limit: limit, error: error)
    }

    /// Whole seconds to wait, at least 1.
    static func seconds(_ wait: Duration) -> Int {
        max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
    }

    /// Drops buckets that are full again (idle principals), so the table does not grow for ever.
    private static func forgetIdle(
        _ buckets: inout [String: Bucket], capacity: Double, rate: Double, now: ContinuousClock.Instant
    ) {
        buckets = buckets.filter { _, bucket in
            let elapsed = bucket.last.duration(to: now)
            return bucket.tokens + Double(elapsed.components.seconds) * rate < capacity
        }
    }
}

import Crypto
import Foundation
import SwarmCore
import SwarmProtocol

/// Checks a store against itself: SQLite's integrity check, `seq` gap-free from 1, every event
/// decodes, and a replay of the log gives what the store keeps beside it — the ticket and article
/// projections, the channel index that resumes read, the command acks (none beyond the log's end)
/// and readable tokens. `swarmd check` runs it, and `swarmd backup` runs it on its copy before
/// keeping it.
///
/// It may run while a hub writes: the log is read up to the `seq` it had when the check began, and
/// a projection read after further commits is compared again with a replay that caught up, a few
/// times, before a difference counts.
public enum LogCheck {
    /// What was checked, and what was wrong.
    public struct Report: Sendable {
        /// The last `seq` replayed.
        public var lastSeq: Int64 = 0
        public var events = 0
        public var tickets = 0
        public var articles = 0
        public var channels = 0
        public var commands = 0
        public var tokens = 0
        /// Each problem found, with a precise message; empty when the store checks out.
        public var problems: [Problem] = []
    }

    /// The outgoing mail queue against the log: every mail is of an event the log holds and of that
    /// event's ticket, and the mailer's cursor is not beyond the log's end (a mail planned for events that
    /// were lost would go out for something that, for the hub, never happened).
    static func mailProblems(_ store: any EventStore, end: Int64, tickets: [String: Ticket]) async throws -> [Problem] {
        var problems: [Problem] = []
        let cursor = try await store.mailCursor()
        if cursor > end {
            problems.append(
                Problem(.mail, "the mailer has planned mail through seq \(cursor), beyond the log's end at \(end)"))
        }
        for job in try await store.allMail() {
            if job.seq < 1 || job.seq > end {
                problems.append(Problem(.mail, "mail \(job.id) is for seq \(job.seq), which the log does not hold"))
            } else if let ticket = job.ticket, tickets[ticket] == nil {
                problems.append(Problem(.mail, "mail \(job.id) is for ticket \(ticket), which no event opens"))
            }
        }
        return problems
    }

    /// The outgoing webhooks against the log, as ``mailProblems(_:end:tickets:)`` checks the mail: every
    /// delivery is of an event the log holds and of that event's ticket, and no hook's cursor is beyond the
    /// log's end.
    static func webhookProblems(_ store: any EventStore, end: Int64, tickets: [String: Ticket]) async throws
        -> [Problem]
    {
        var problems: [Problem] = []
        for (hook, cursor) in try await store.webhookCursors().sorted(by: { $0.key < $1.key }) where cursor > end {
            problems.append(
                Problem(
                    .webhooks, "hook \(hook) has been planned through seq \(cursor), beyond the log's end at \(end)"))
        }
        for delivery in try await store.allWebhooks() {
            if delivery.seq < 1 || delivery.seq > end {
                problems.append(
                    Problem(
                        .webhooks, "delivery \(delivery.id) is for seq \(delivery.seq), which the log does not hold"))
            } else if let ticket = delivery.ticket, tickets[ticket] == nil {
                problems.append(
                    Problem(.webhooks, "delivery \(delivery.id) is for ticket \(ticket), which no event opens"))
            }
        }
        return problems
    }

    /// The attachments' bytes against the log: every attachment's blob is there, of the size it says, and
    /// every blob's chunks are its bytes (their SHA-256 is its name). Read a chunk at a time.
    static func blobProblems(_ store: any EventStore, tickets: [String: Ticket]) async throws -> [Problem] {
        var problems: [Problem] = []
        let blobs = Dictionary(try await store.allBlobs().map { ($0.sha256, $0) }) { first, _ in first }
        for ticket in tickets.values.sorted(by: { ticketOrder($0.id, $1.id) }) {
            for attachment in ticket.attachments {
                guard let blob = blobs[attachment.sha256] else {
                    problems.append(
                        Problem(
                            .blobs,
                            "\(attachment.id) on \(ticket.id): its bytes (sha256 \(attachment.sha256)) are missing"))
                    continue
                }
                if blob.size != attachment.size {
                    problems.append(
                        Problem(
                            .blobs,
                            "\(attachment.id) on \(ticket.id) has \(attachment.size) bytes; its blob has \(blob.size)"))
                }
            }
        }
        for blob in blobs.values.sorted(by: { $0.sha256 < $1.sha256 }) {
            var hasher = SHA256()
            var size: Int64 = 0
            var missing: Int?
            for index in 0..<blob.chunks {
                guard let chunk = try await store.blobChunk(blob.sha256, index: index) else {
                    missing = index
                    break
                }
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
            if let missing {
                problems.append(Problem(.blobs, "blob \(blob.sha256) lacks chunk \(missing) of \(blob.chunks)"))
                continue
            }
            let digest = BlobInfo.hex(hasher.finalize())
            if digest != blob.sha256 || size != blob.size {
                problems.append(
                    Problem(
                        .blobs, "blob \(blob.sha256) is corrupt: its \(size) bytes hash to \(digest)"))
            }
        }
        return problems
    }

    /// One thing wrong with the store.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// What kind of damage, as a stable code.
        public enum Kind: String, Sendable {
            /// SQLite's integrity check failed (a damaged page or index).
            case integrity
            /// An event is missing: `seq` has a hole.
            case gap
            /// An event or a stored row cannot be read or decoded.
            case unreadable
            /// The ticket or article projection differs from a replay of the log.
            case projection
            /// The channel index (what resuming with `since` reads) differs from the events' channels.
            case channelIndex = "channel_index"
            /// A remembered command ack cannot be decoded or names a `seq` beyond the log's end.
            case commands
            /// The log is shorter than its high-water mark says was committed (``LogRollback``).
            case rollback
            /// The outgoing mail queue names events the log does not hold, or its cursor is beyond the log.
            case mail
            /// The outgoing webhooks name events the log does not hold, or a hook's cursor is beyond the log.
            case webhooks
            /// An attachment's bytes: missing, or not the bytes their hash names.
            case blobs
        }

        public var kind: Kind
        public var message: String

        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }

        public var description: String { "\(kind.rawValue): \(message)" }
    }

    /// How often a projection that differs is read again after the log moved under the check.
    static let attempts = 5

    /// Checks `store`; database errors that stop the check from reading at all are thrown, every
    /// other finding is a problem of the report.
    public static func run(_ store: any EventStore) async throws -> Report {
        var report = Report()
        if let sqlite = store as? SQLiteEventStore {
            for line in try await sqlite.integrityProblems() { report.problems.append(Problem(.integrity, line)) }
            if let rollback = try await sqlite.rollback() {
                report.problems.append(
                    Problem(
                        .rollback,
                        "\(rollback); clients that read those seqs must load again: start the hub, "
                            + "which gives the log a new epoch, and restore a backup if those events matter"))
            }
        }
        var replay = Replay()
        var through: Int64 = 0
        do {
            through = try await store.lastSeq()
            report.lastSeq = try await store.replayLog(through: through) { replay.add($0) }
        } catch {
            report.problems.append(replayProblem(error, after: replay.seq))
            report.events = replay.events
            report.lastSeq = replay.seq
            report.problems.append(
                Problem(
                    .unreadable, "the projections were not compared: the log cannot be replayed past seq \(replay.seq)")
            )
            return report
        }
        var projections: [Problem] = []
        for attempt in 1...attempts {
            projections = try await projectionProblems(store, replay.state)
            let now = try await store.lastSeq()
            guard !projections.isEmpty, now > through else { break }
            if attempt == attempts {
                projections.append(
                    Problem(
                        .projection,
                        "the log moved from seq \(through) to \(now) during the check, so the differences above may "
                            + "be commits made meanwhile; run the check again when the hub is quieter"))
                break
            }
            do {
                report.lastSeq = try await store.replayLog(after: through, through: now) { replay.add($0) }
            } catch {
                report.problems.append(replayProblem(error, after: replay.seq))
                return report
            }
            through = now
        }
        report.problems += projections
        report.problems += try await channelIndexProblems(store, replay.channels, through: report.lastSeq)
        let commands = try await store.commands(since: Timestamp(milliseconds: .min))
        let end = try await store.lastSeq()
        let decoder = JSONDecoder()
        for command in commands {
            guard let ack = try? decoder.decode(Ack.self, from: Data(command.ack.utf8)) else {
                report.problems.append(
                    Problem(.commands, "the ack of command \(command.id) of \(command.agent) cannot be decoded"))
                continue
            }
            if let seq = ack.seq, seq > end {
                report.problems.append(
                    Problem(
                        .commands,
                        "command \(command.id) of \(command.agent) was acknowledged with seq \(seq), beyond the "
                            + "log's end at \(end): acknowledged events are missing"))
            }
        }
        report.problems += try await mailProblems(store, end: end, tickets: replay.state.tickets)
        report.problems += try await webhookProblems(store, end: end, tickets: replay.state.tickets)
        report.problems += try await blobProblems(store, tickets: replay.state.tickets)
        do {
            report.tokens = try await store.tokens().count
        } catch {
            report.problems.append(Problem(.unreadable, "the tokens cannot be read: \(error)"))
        }
        report.events = replay.events
        report.tickets = replay.state.tickets.count
        report.articles = replay.state.articles.count
        report.channels = replay.channels.count
        report.commands = commands.count
        return report
    }

    /// The state a replay builds, and the events it saw on each channel.
    struct Replay {
        var state = SwarmState()
        var channels: [String: [Int64]] = [:]
        var seq: Int64 = 0
        var events = 0

        mutating func add(_ stored: StoredEvent) {
            state.apply(stored.event)
            for channel in stored.channels { channels[channel, default: []].append(stored.seq) }
            seq = stored.seq
            events += 1
        }
    }

    static func replayProblem(_ error: any Error, after seq: Int64) -> Problem {
        switch error {
        case let gap as LogGapError: Problem(.gap, gap.description)
        case let error as StoreError: Problem(.unreadable, error.message)
        default: Problem(.unreadable, "the log cannot be read after seq \(seq): \(error)")
        }
    }

    /// The tickets and articles whose projection differs from `state`, one problem each.
    static func projectionProblems(_ store: any EventStore, _ state: SwarmState) async throws -> [Problem] {
        var problems: [Problem] = []
        let kept: [Ticket]
        do {
            kept = try await store.tickets(status: nil, queue: nil, requester: nil, limit: .max)
        } catch let error as StoreError {
            return [Problem(.unreadable, error.message)]
        }
        let keptByID = Dictionary(kept.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, ticket) in state.tickets.sorted(by: { Self.ticketOrder($0.key, $1.key) }) {
            let expected = ticket.projected
            guard let found = keptByID[id] else {
                problems.append(Problem(.projection, "ticket \(id) is in the log but not in the ticket projection"))
                continue
            }
            if found != expected {
                problems.append(
                    Problem(
                        .projection,
                        "ticket \(id): the projection's \(differingFields(found, expected)) differs from the log's"))
            }
        }
        for id in keptByID.keys.sorted(by: Self.ticketOrder) where state.tickets[id] == nil {
            problems.append(Problem(.projection, "ticket \(id) is in the ticket projection but no event opens it"))
        }
        for (id, expected) in state.articles.sorted(by: { $0.key < $1.key }) {
            let found: Article?
            do {
                found = try await store.article(id)
            } catch {
                problems.append(Problem(.unreadable, "article \(id) cannot be read from the projection: \(error)"))
                continue
            }
            guard let found else {
                problems.append(Problem(.projection, "article \(id) is in the log but not in the article projection"))
                continue
            }
            if found != expected {
                problems.append(
                    Problem(
                        .projection,
                        "article \(id): the projection's \(differingFields(found, expected)) differs from the log's"))
            }
        }
        return problems
    }

    /// T-2 before T-10.
    static func ticketOrder(_ a: String, _ b: String) -> Bool {
        (a.count, a) < (b.count, b)
    }

    /// The top-level JSON fields in which two values differ, named for a message.
    static func differingFields(_ a: some Encodable, _ b: some Encodable) -> String {
        let encoder = SwarmJSON.encoder()
        guard let left = try? encoder.encode(a), let right = try? encoder.encode(b),
            let x = try? JSONSerialization.jsonObject(with: left) as? [String: Any],
            let y = try? JSONSerialization.jsonObject(with: right) as? [String: Any]
        else { return "content" }
        func canonical(_ value: Any?) -> Data? {
            value.flatMap { try? JSONSerialization.data(withJSONObject: [$0], options: [.sortedKeys]) }
        }
        let fields = Set(x.keys).union(y.keys).sorted().filter { canonical(x[$0]) != canonical(y[$0]) }
        return fields.isEmpty ? "content" : fields.joined(separator: ", ")
    }

    /// The channels whose index differs from the channels the events name, read as a resume reads
    /// them, up to `through`.
    static func channelIndexProblems(_ store: any EventStore, _ channels: [String: [Int64]], through: Int64)
        async throws -> [Problem]
    {
        var problems: [Problem] = []
        for (channel, expected) in channels.sorted(by: { $0.key < $1.key }) {
            let indexed = try await store.records(onChannels: [channel], after: 0, through: through, limit: .max)
                .map(\.seq)
            guard indexed != expected else { continue }
            let missing = Set(expected).subtracting(indexed).sorted()
            let extra = Set(indexed).subtracting(expected).sorted()
            var parts: [String] = []
            if !missing.isEmpty { parts.append("lacks seq \(list(missing)) (a resume would skip them)") }
            if !extra.isEmpty { parts.append("has seq \(list(extra)), whose events are not on it") }
            if parts.isEmpty { parts.append("lists its events out of order or twice") }
            problems.append(Problem(.channelIndex, "channel \(channel): the index \(parts.joined(separator: " and "))"))
        }
        return problems
    }

    static func list(_ seqs: [Int64]) -> String {
        let shown = seqs.prefix(10).map(String.init).joined(separator: ", ")
        return seqs.count > 10 ? "\(shown) and \(seqs.count - 10) more" : shown
    }
}

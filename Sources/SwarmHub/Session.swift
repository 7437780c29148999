import CoreMetrics
import Foundation
import Logging
import NIOCore
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmStore
import Synchronization

/// The protocol state of one WebSocket connection: who it is, its rate limit, and the handling of
/// each inbound frame. Replies and events go out through its ``Outbox``; the session never writes
/// to the socket itself.
///
/// It uses what its ``SessionDependencies`` hold and nothing else, so a test can run one over an
/// in-memory store and a test channel.
final class Session {
    /// State the connection's other tasks read.
    final class Flags: Sendable {
        let authenticated = Atomic<Bool>(false)
    }

    /// The parts of the hub the session uses, and the configuration values it reads.
    let dependencies: SessionDependencies
    let outbox: Outbox
    let connectionID: FanOut.ConnectionID
    let flags = Flags()
    private(set) var principal: Principal?
    /// The id of the token the connection authenticated with, watched for revocation.
    private var tokenID: Int64?
    private var limiter: RateLimiter
    /// The connection's logger: `swarm.connection.id` from the start, `swarm.agent` once signed in.
    /// Shared through `log` with what logs about the connection outside the session.
    var logger: Logger {
        didSet { log.logger = logger }
    }
    private let log: ConnectionLog

    /// A session on a new connection: registered with fan-out, not signed in yet.
    init(dependencies: SessionDependencies, outbox: Outbox, log: ConnectionLog) {
        self.dependencies = dependencies
        self.outbox = outbox
        self.connectionID = dependencies.fanOut.register(outbox)
        self.limiter = RateLimiter(
            rate: dependencies.configuration.commandRate, burst: dependencies.configuration.commandBurst,
            floodAfter: dependencies.configuration.floodCloseAfter)
        self.log = log
        var logger = log.logger
        logger[metadataKey: "swarm.connection.id"] = "\(connectionID)"
        self.logger = logger
        log.logger = logger
    }

    /// Forgets the connection's subscriptions; the agent may go offline after the grace period.
    func end() {
        dependencies.fanOut.remove(connectionID)
        if let tokenID {
            dependencies.tokenWatch.forget(token: tokenID, connection: connectionID)
            dependencies.limits.closeConnection(token: tokenID)
        }
        if let principal, principal.role.worksTickets { dependencies.presence.disconnected(principal.id) }
    }

    /// Authenticates with a token that came in the upgrade request, and welcomes the client.
    func authenticate(token info: TokenInfo) async {
        await signIn(info, id: nil)
    }

    private func signIn(_ info: TokenInfo, id: String?) async {
        // A mail system's token delivers mail over REST and opens no session.
        guard info.role != .mailgate else {
            reply(id, HubError(.forbidden, "a mailgate token only delivers mail (POST /v1/mail)"))
            return
        }
        do {
            try dependencies.limits.openConnection(token: info.id, name: info.name)
        } catch {
            reply(id, error.error)
            outbox.close(code: CloseCode.flood, reason: "too many connections for one token")
            return
        }
        principal = Principal(id: info.name, role: info.role)
        tokenID = info.id
        dependencies.tokenWatch.watch(token: info.id, connection: connectionID, outbox: outbox)
        flags.authenticated.store(true, ordering: .relaxed)
        logger[metadataKey: "swarm.agent"] = "\(info.name)"
        // An agent coming online is an event (presence.changed); it commits before the welcome, so
        // welcome's seq includes it and every later command of the connection comes after it.
        if info.role.worksTickets { await dependencies.presence.connected(info.name) }
        let welcome = Welcome(
            id: id, agent: info.name, role: info.role, server: dependencies.configuration.serverName,
            seq: dependencies.ledger.snapshot.seq, epoch: dependencies.epoch
        )
        send(welcome)
    }

    // MARK: Frames

    /// Handles one binary frame: not part of protocol v1. Counted by the rate limit like any frame.
    func handleBinary() {
        guard admit(id: nil) else { return }
        reply(nil, HubError(.badFrame, "binary frames are not supported; send JSON text frames"))
    }

    /// Handles one text frame.
    func handle(_ text: String) async {
        let frame: ClientFrame
        do {
            frame = try ClientFrame.decode(text)
        } catch {
            guard admit(id: error.id) else { return }
            reply(error.id, HubError(error))
            return
        }
        guard admit(id: frame.id) else { return }
        if let principal {
            // One bucket per principal across its connections and REST, besides this connection's own.
            do {
                try dependencies.limits.admitRequest(of: principal.id)
            } catch {
                reply(frame.id, error.error)
                return
            }
        }
        guard let principal else {
            switch frame.message {
            case .hello(let request): await hello(request, id: frame.id)
            case .ping: send(Pong(id: frame.id))
            default: reply(frame.id, HubError(.unauthorized, "send hello with a token first"))
            }
            return
        }
        let id = frame.id ?? ""
        switch frame.message {
        case .hello:
            reply(id, HubError(.conflict, "this connection is already authenticated as \(principal.id)"))
        case .ping:
            send(Pong(id: frame.id))
        case .subscribe(let request):
            await subscribe(request, id: id, as: principal)
        case .unsubscribe(let request):
            unsubscribe(request, id: id)
        case .ticketViewing(let ref):
            notice(.viewing, on: ref.ticket, id: id, as: principal)
        case .ticketTyping(let ref):
            notice(.typing, on: ref.ticket, id: id, as: principal)
        case .kbSearch(let search):
            do throws(HubError) {
                var ack = Ack(id: id, seq: nil)
                ack.articles = try await KnowledgeSearch.run(search, in: dependencies.store)
                send(ack)
            } catch {
                reply(id, error)
            }
        case .command(let command):
            await execute(.client(command), id: id, as: principal)
        }
    }

    /// Applies the rate limit; a connection that keeps being refused is closed (4029, ``RateLimiter``).
    private func admit(id: String?) -> Bool {
        switch limiter.admit() {
        case .admitted:
            return true
        case .refused:
            reply(
                id,
                HubError(
                    .rateLimited, "too many commands; at most \(Int(dependencies.configuration.commandRate)) per second"
                ))
        case .flood:
            logger.notice("closing a flooding connection")
            outbox.close(code: CloseCode.flood, reason: "too many commands; slow down and reconnect")
        }
        return false
    }

    private func hello(_ hello: Hello, id: String?) async {
        do {
            guard let info = try await dependencies.store.authenticate(secret: hello.token) else {
                logFailedLogin(logger, remote: outbox.channel.remoteAddress, path: "hello")
                reply(id, HubError(.unauthorized, "unknown or revoked token"))
                return
            }
            await signIn(info, id: id)
        } catch {
            logger.error("token lookup failed", metadata: ["error": "\(error)"])
            reply(id, HubError(.internal, "could not check the token"))
        }
    }

    // MARK: Subscriptions

    private func parseChannels(_ names: [String]) throws(HubError) -> [SwarmProtocol.Channel] {
        guard !names.isEmpty else { throw HubError(.invalidField, "field 'channels' must list at least one channel") }
        guard names.count <= 100 else {
            throw HubError(.invalidField, "field 'channels' may list at most 100 channels")
        }
        return try names.map { name throws(HubError) in
            guard let channel = SwarmProtocol.Channel(name) else {
                throw HubError(
                    .invalidField,
                    "unknown channel '\(name)'; use ticket:<id>, queue:<name>, agent:<id>, skill:<tag>, skill:<prefix>.*, dispatch, backlog, agents, sla, kb or metrics"
                )
            }
            return channel
        }
    }

    private func subscribe(_ request: ChannelRequest, id: String, as principal: Principal) async {
        // On a node of a cluster, what the client read on another node (its `since`), or a ticket another
        // node has just opened, may not be applied here yet: catch up with the shared log first (bounded),
        // so the ticket is found and no event between this node's seq and `since` is delivered again.
        if dependencies.configuration.followsSharedLog, let head = try? await dependencies.store.lastSeq(),
            head > dependencies.ledger.snapshot.seq,
            await !dependencies.ledger.waitUntilApplied(head, within: .seconds(5))
        {
            reply(id, HubError(.internal, "this node is catching up with the log; subscribe again in a moment"))
            return
        }
        let channels: [SwarmProtocol.Channel]
        do throws(HubError) {
            channels = try parseChannels(request.channels)
            let limit = dependencies.configuration.maxSubscriptions
            let had = dependencies.fanOut.channels(of: connectionID)
            let added = Set(channels.map(\.description)).subtracting(had).count
            if had.count + added > limit {
                throw HubError(
                    .tooLarge,
                    "a connection may subscribe to at most \(limit) channels (it has \(had.count)); unsubscribe first")
            }
            if let since = request.since, since < 0 {
                throw HubError(.invalidField, "field 'since' must be 0 or more")
            }
            if let epoch = request.epoch, epoch != dependencies.epoch {
                throw HubError(
                    .epochChanged,
                    "the hub's log is not the one your 'epoch' names: its epoch is \(dependencies.epoch) now (a backup "
                        + "was restored, or the log replaced), so the seqs you have seen may mean other events; "
                        + "load again, then subscribe without 'since'")
            }
            let state = dependencies.ledger.snapshot.state
            for channel in channels {
                do {
                    try Policy.authorizeSubscription(
                        principal, channel, in: state, taxonomy: dependencies.configuration.taxonomy)
                } catch {
                    throw HubError(error)
                }
            }
        } catch {
            reply(id, error)
            return
        }
        // A client that has seen a seq this log does not have was reading another log, or this one
        // before it lost commits: resuming would replay nothing and reuse the numbers it has seen.
        if let since = request.since, since > dependencies.ledger.snapshot.seq {
            let head = (try? await dependencies.store.lastSeq()) ?? dependencies.ledger.snapshot.seq
            if since > head {
                reply(
                    id,
                    HubError(
                        .epochChanged,
                        "'since' \(since) is beyond the end of the hub's log (seq \(head), epoch \(dependencies.epoch)): "
                            + "the seqs you have seen are not this log's; load again, then subscribe without 'since'"))
                return
            }
        }
        let names = channels.map(\.description)
        let fanOut = dependencies.fanOut
        // The metrics channel starts with the current report, after the ack (and any replay).
        defer {
            if names.contains(SwarmProtocol.Channel.metrics.description), let frame = dependencies.metricsFeed.frame() {
                outbox.enqueue(frame)
            }
        }
        guard let since = request.since else {
            let (seq, _) = fanOut.subscribe(connectionID, to: names, since: nil, as: Audience(principal))
            send(subscribed(id, seq: seq))
            return
        }
        // Replay: events of the new channels after `since`, up to the seq at which they go live.
        // Live events are held meanwhile, so replay and live events join without gap or duplicate.
        let resumeStarted = ContinuousClock.now
        let (liveFrom, earlier) = fanOut.subscribe(connectionID, to: names, since: since, as: Audience(principal))
        let fresh = names.filter { earlier[$0] == nil }
        defer {
            outbox.endHold()
            dependencies.telemetry.resume.recordNanoseconds((ContinuousClock.now - resumeStarted).inNanoseconds)
        }
        send(subscribed(id, seq: liveFrom))
        // An event also on a channel this connection already had was sent already if it came
        // after that channel's start; otherwise it is sent now.
        func sentBefore(_ record: EventRecord) -> Bool {
            record.channels.contains { channel in earlier[channel].map { record.seq > $0 } ?? false }
        }
        await replay(fresh, after: since, through: liveFrom, for: Audience(principal), skipping: sentBefore)
    }

    /// Streams the events of `channels` with `after < seq <= through` into the outbox: pages are read
    /// from the store back to back (the next while the socket takes this one), and the socket's
    /// backpressure paces the stream, never the client's replies.
    ///
    /// Never inlined: its async frame (about 3 KB with the page read ahead) would otherwise be part of
    /// every `subscribe`'s, and a task keeps the stack slabs of its deepest call for its whole life.
    @inline(never)
    private func replay(
        _ channels: [String], after since: Int64, through liveFrom: Int64, for audience: Audience,
        skipping sentBefore: (EventRecord) -> Bool
    ) async {
        guard since < liveFrom else { return }
        let store = dependencies.store
        let pageSize = 2048
        // The outbox takes at most a quarter of its limits at a time, then waits for room.
        let chunkFrames = max(1, dependencies.configuration.outboundQueueLimit / 4)
        let chunkBytes = max(1, dependencies.configuration.outboundQueueBytes / 4)
        do {
            var page = try await store.records(onChannels: channels, after: since, through: liveFrom, limit: pageSize)
            while let last = page.last, !outbox.isClosing {
                let more = last.seq < liveFrom && page.count == pageSize
                let from = last.seq
                async let following =
                    more ? store.records(onChannels: channels, after: from, through: liveFrom, limit: pageSize) : []
                var chunk: [WireFrame] = []
                var bytes = 0
                // What a requester may see is decided against the state now, not when the event was logged.
                let state = audience.seesEverything ? nil : dependencies.ledger.snapshot.state
                for record in page where !sentBefore(record) {
                    guard let label = record.channels.first(where: channels.contains) else { continue }
                    let frame =
                        if let state {
                            FanOut.frame(record, channel: label, for: audience, in: state)
                        } else {
                            FanOut.frame(record, channel: label)
                        }
                    guard let frame else { continue }
                    bytes += frame.count
                    chunk.append(frame)
                    if chunk.count >= chunkFrames || bytes >= chunkBytes {
                        if outbox.offer(chunk, live: false) { outbox.scheduleWrite() }
                        chunk = []
                        bytes = 0
                        await outbox.waitForRoom()
                    }
                }
                if !chunk.isEmpty, outbox.offer(chunk, live: false) { outbox.scheduleWrite() }
                await outbox.waitForRoom()
                page = try await following
            }
        } catch {
            logger.error("replay failed", metadata: ["error": "\(error)"])
            outbox.close(code: CloseCode.internalError, reason: "replay failed; resubscribe with since")
        }
    }

    /// The ack of a subscribe: the seq after which live events flow, and the log's epoch.
    private func subscribed(_ id: String, seq: Int64) -> Ack {
        var ack = Ack(id: id, seq: seq)
        ack.epoch = dependencies.epoch
        return ack
    }

    private func unsubscribe(_ request: ChannelRequest, id: String) {
        do throws(HubError) {
            let channels = try parseChannels(request.channels)
            dependencies.fanOut.unsubscribe(connectionID, from: channels.map(\.description))
            send(Ack(id: id, seq: nil))
        } catch {
            reply(id, error)
        }
    }

    // MARK: Commands

    /// Hands the command to the ledger without waiting for it: the next frame is read at once, and
    /// the ack (or error) is queued by the ledger when the command's batch commits.
    private func execute(_ command: Command, id: String, as principal: Principal) async {
        let named: String? =
            switch command {
            case .client(.ownerAdd(let change)): change.agent
            case .client(.skillsSet(let set)) where set.agent != principal.id: set.agent
            case .client(.notifySet(let set)) where set.agent != principal.id: set.agent
            case .client(.ticketInvite(let invite)) where invite.agent != principal.id: invite.agent
            case .client(.tiersSet(let set)): set.agent
            default: nil
            }
        if let agent = named {
            // Owners, invitees and skill holders must be people who can work tickets: an agent
            // with an active token.
            let role = try? await dependencies.store.activeRole(of: agent)
            guard let role, role.worksTickets else {
                reply(id, HubError(.notFound, "no agent \(agent) who works tickets"))
                return
            }
        }
        if case .client(.ticketOpen(let open)) = command,
            let problem = await RequesterCheck(
                tokens: dependencies.store, mailDomains: dependencies.configuration.mailDomains
            ).problem(open, by: principal)
        {
            reply(id, problem)
            return
        }
        do {
            try dependencies.limits.admitWrite(command, by: principal, in: dependencies.ledger.snapshot.state)
        } catch {
            reply(id, error.error)
            return
        }
        dependencies.ledger.submit(command, by: principal, id: id, replyingTo: outbox)
    }

    // MARK: Ephemeral notices

    /// `ticket.viewing` and `ticket.typing`: checked like a command, broadcast to the ticket's
    /// other subscribers as an `activity` frame, never logged.
    private func notice(_ kind: Activity.Kind, on ticket: String, id: String, as principal: Principal) {
        guard let found = dependencies.ledger.snapshot.state.tickets[ticket], Policy.canRead(principal, found) else {
            reply(id, HubError(.notFound, "no ticket \(ticket)"))
            return
        }
        let now = dependencies.clock()
        let activity = Activity(
            ticket: ticket, agent: principal.id, activity: kind, at: now,
            expires: now.adding(milliseconds: Activity.lifetime(kind)))
        do {
            let frame = WireFrame(json: try SwarmJSON.shared.encode(activity))
            dependencies.fanOut.publishEphemeral(frame, on: activity.channel, except: connectionID)
            send(Ack(id: id, seq: nil))
        } catch {
            reply(id, HubError(.internal, "could not encode the notice"))
        }
    }

    // MARK: Output

    private func reply(_ id: String?, _ error: HubError) {
        dependencies.telemetry.error(error.code)
        send(ErrorFrame(id: id, code: error.code, message: error.message))
    }

    private func send(_ value: some Encodable) {
        do {
            outbox.enqueue(WireFrame(json: try SwarmJSON.shared.encode(value)))
        } catch {
            logger.error("could not encode a reply", metadata: ["error": "\(error)"])
        }
    }
}

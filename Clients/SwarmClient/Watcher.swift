public import SwarmProtocol

/// A live feed of events that survives the hub going away: it reconnects with backoff and
/// resubscribes with `since` set to the last event it showed, so nothing is missed or shown twice.
public struct Watcher: Sendable {
    public var credentials: Credentials
    /// The channels to follow; `nil` for ``defaultChannels(for:)`` of whoever the token is.
    public var channels: [String]?
    /// Replay the events after this seq first; `nil` for live events only.
    public var since: Int64?
    /// The delays between reconnect attempts.
    public var backoff: Backoff
    /// Channels followed besides ``channels``, added while the watcher runs.
    public var extra: ExtraChannels?

    /// A watcher of `channels` (or the defaults) and those added to `extra`, from `since` (or now).
    public init(
        credentials: Credentials, channels: [String]? = nil, since: Int64? = nil, backoff: Backoff = Backoff(),
        extra: ExtraChannels? = nil
    ) {
        self.credentials = credentials
        self.channels = channels
        self.since = since
        self.backoff = backoff
        self.extra = extra
    }

    /// What `swarm watch` follows when no channel is named: the user's own `agent:` channel (tickets
    /// they requested or swarm, invitations to swarms and their answers, their own skill and
    /// presence changes), and for roles that work tickets also `queue:general`, where tickets
    /// opened without a queue arrive.
    public static func defaultChannels(for welcome: Welcome) -> [String] {
        let own = Channel.agent(welcome.agent).description
        return welcome.role.worksTickets ? [own, Channel.queue("general").description] : [own]
    }

    /// Something the feed tells its reader.
    public enum Update: Sendable {
        /// Subscribed for the first time: who we are, the channels, the seq the feed starts after, and
        /// the seq its opening replay (the history, `since`) ends at: later events are news.
        case started(Welcome, channels: [String], after: Int64, liveAfter: Int64)
        /// An event not shown before.
        case event(EventFrame)
        /// Someone is viewing a watched ticket or typing on it (ephemeral, only on `ticket:` channels).
        case activity(Activity)
        /// The connection broke; the watcher keeps trying.
        case lost(reason: String)
        /// Subscribed again after a break; the feed resumes after `seq`.
        case reconnected(after: Int64)
        /// Subscribed again after a break, but the hub serves another log now (its epoch changed: a
        /// backup was restored): what was shown may not be in it; the feed goes on from its `seq`.
        case logReplaced(after: Int64)
    }

    /// Follows the channels until the task is cancelled.
    ///
    /// - Throws: ``ClientError`` when the first connection fails, when the hub refuses the token or a
    ///   channel, or for anything but a lost connection later on.
    public func run(_ update: (Update) -> Void) async throws {
        var position: FeedPosition?
        var backoff = self.backoff
        var lost = false
        while !Task.isCancelled {
            do {
                try await HubConnection.open(credentials) { connection in
                    let extra = self.extra?.listen()
                    var channels = self.channels ?? Self.defaultChannels(for: connection.welcome)
                    channels += (extra?.now ?? []).filter { !channels.contains($0) }
                    let since = position?.seq ?? self.since
                    let request = ChannelRequest(channels: channels, since: since, epoch: position?.epoch)
                    do {
                        let ack = try await connection.send(.subscribe(request))
                        if let position {
                            update(.reconnected(after: position.seq))
                        } else {
                            let start = since ?? ack.seq ?? 0
                            position = FeedPosition(after: start, epoch: ack.epoch)
                            update(
                                .started(
                                    connection.welcome, channels: channels, after: start,
                                    liveAfter: max(start, ack.seq ?? start)))
                        }
                    } catch let error as ClientError where error.code == ErrorCode.epochChanged.rawValue {
                        // Our seqs are another log's: start again from the present of this one.
                        let ack = try await connection.send(.subscribe(ChannelRequest(channels: channels)))
                        position = FeedPosition(after: ack.seq ?? 0, epoch: ack.epoch)
                        update(.logReplaced(after: ack.seq ?? 0))
                    }
                    backoff.reset()
                    lost = false
                    // What the hub pushes, and the failure of a subscription to a channel added
                    // meanwhile, in one stream read here, where `update` may be called.
                    let (items, sink) = AsyncStream.makeStream(of: Result<HubConnection.Incoming, ClientError>.self)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await item in connection.incoming { sink.yield(.success(item)) }
                            sink.finish()
                        }
                        if let later = extra?.later {
                            group.addTask {
                                for await added in later {
                                    do throws(ClientError) {
                                        try await connection.send(.subscribe(ChannelRequest(channels: added)))
                                    } catch {
                                        sink.yield(.failure(error))
                                        return
                                    }
                                }
                            }
                        }
                        defer { group.cancelAll() }
                        for await item in items {
                            switch item {
                            case .success(.event(let event)) where position?.accept(event.seq) == true:
                                update(.event(event))
                            case .success(.event): break  // at or before the position: shown already
                            case .success(.activity(let activity)): update(.activity(activity))
                            case .failure(let error): throw error
                            }
                        }
                    }
                    throw ClientError.connection(connection.closeReason ?? "the hub closed the connection")
                }
            } catch let error as ClientError where error.status == .connection {
                guard position != nil else { throw error }
                if Task.isCancelled { return }
                if !lost {
                    lost = true
                    update(.lost(reason: error.message))
                }
                try? await Task.sleep(for: backoff.next())
            }
        }
    }
}

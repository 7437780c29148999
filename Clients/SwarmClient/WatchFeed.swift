public import SwarmProtocol

/// What `swarm watch` and the console follow: the feed they show, and the person's own `agent:`
/// channel for their notices when the shown feed does not include it (`swarm watch T-42`), so an
/// invitation reaches them whatever they are looking at.
///
/// The own channel is a second ``Watcher`` (a second connection) rather than a second channel on
/// the first: the hub labels an event with the first of its channels the connection follows
/// (Protocol §10), so on one connection the client could not tell an event it was asked to show
/// from one it only gets because it is the person's.
public struct WatchFeed: Sendable {
    /// The feed that is shown.
    public var shown: Watcher
    /// The person's own channel alone, for notices; `nil` when ``shown`` follows it already.
    public var own: Watcher?

    /// Something one of the two feeds said, in the order they said it.
    public enum Item: Sendable {
        /// From the feed that is shown.
        case shown(Watcher.Update)
        /// From the own channel, for notices only.
        case own(Watcher.Update)
    }

    /// The feed of `shown`, plus `agent:<me>` on its own when `shown` names channels without it.
    public init(shown: Watcher, me: String?) {
        self.shown = shown
        if let me, let channels = shown.channels, !channels.contains(Channel.agent(me).description) {
            own = Watcher(
                credentials: shown.credentials, channels: [Channel.agent(me).description], backoff: shown.backoff)
        }
    }

    /// Runs both feeds and hands their updates to `consume` as a stream read in the caller's task,
    /// so it may keep state and await (a ticket's facts) between items; returns what `consume`
    /// returns, and stops the feeds then.
    ///
    /// - Throws: what either watcher throws (its first connection failed, the hub refused the token
    ///   or a channel), after the updates before it were read.
    public func run<Result>(
        _ consume: (AsyncThrowingStream<Item, any Error>) async throws -> Result
    ) async throws -> Result {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Item.self)
        let shown = self.shown
        let own = self.own
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { feeds in
                        feeds.addTask { try await shown.run { continuation.yield(.shown($0)) } }
                        if let own { feeds.addTask { try await own.run { continuation.yield(.own($0)) } } }
                        try await feeds.waitForAll()
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            defer { group.cancelAll() }
            return try await consume(stream)
        }
    }
}

import Synchronization

/// Channels a running ``Watcher`` is told to follow besides its own, added while it runs: the live
/// work list follows the queue of every ticket it comes to know.
///
/// The watcher subscribes to an added channel at once on the connection it has (live events from
/// then on), and lists every added channel in the `subscribe` of each reconnect, with `since`, so
/// nothing on them is missed across a break.
public final class ExtraChannels: Sendable {
    private struct State {
        var channels: [String] = []
        var listeners: [Int: AsyncStream<[String]>.Continuation] = [:]
        var nextListener = 0
    }

    private let state = Mutex(State())

    /// No channels yet.
    public init() {}

    /// Every channel added so far, in the order they were added.
    public var channels: [String] { state.withLock { $0.channels } }

    /// Adds those of `channels` not added before; a running watcher subscribes to them at once.
    /// Returns the new ones.
    @discardableResult
    public func add(_ channels: [String]) -> [String] {
        state.withLock { state in
            var new: [String] = []
            for channel in channels where !state.channels.contains(channel) && !new.contains(channel) {
                new.append(channel)
            }
            guard !new.isEmpty else { return [] }
            state.channels += new
            for listener in state.listeners.values { listener.yield(new) }
            return new
        }
    }

    /// The channels added so far and a stream of those added from now on, taken together so that no
    /// channel falls between the two (for one connection: it ends when the stream is dropped).
    func listen() -> (now: [String], later: AsyncStream<[String]>) {
        let (stream, continuation) = AsyncStream.makeStream(of: [String].self)
        let (now, id) = state.withLock { state in
            let id = state.nextListener
            state.nextListener += 1
            state.listeners[id] = continuation
            return (state.channels, id)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        return (now, stream)
    }
}

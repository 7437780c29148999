import NIOCore
import SwarmCore
import SwarmProtocol
import SwarmStore
import Synchronization

/// Who is subscribed to what, and the delivery of committed events to them.
///
/// Each event is encoded once (its JSON comes from the commit); the frame around it is built once
/// per channel label and the same `ByteBuffer` storage is queued to every subscriber. An event
/// reaches a connection at most once, labelled with the most specific subscribed channel.
public final class FanOut: Sendable {
    /// Identifies one connection.
    public typealias ConnectionID = UInt64

    private struct Subscriber {
        var outbox: Outbox
        /// Whom it is for: a requester's connection gets each event through `Policy.view`.
        var audience: Audience = .staff
        /// Channel → the `seq` after which this connection has been sent (or is being sent) its
        /// events: the subscribe's `since`, or the live start when it had none.
        var channels: [String: Int64] = [:]
    }

    private struct Registry {
        var subscribers: [ConnectionID: Subscriber] = [:]
        var byChannel: [String: Set<ConnectionID>] = [:]
        /// The last `seq` handed to subscribers.
        var publishedSeq: Int64 = 0
        var nextID: ConnectionID = 1

        mutating func unindex(_ id: ConnectionID, from channel: String) {
            byChannel[channel]?.remove(id)
            if byChannel[channel]?.isEmpty == true { byChannel[channel] = nil }
        }
    }

    private let registry = Mutex(Registry())

    /// Creates an empty fan-out.
    public init() {}

    /// Sets the last published `seq` when the ledger has replayed the log.
    func start(at seq: Int64) {
        registry.withLock { $0.publishedSeq = seq }
    }

    /// The last `seq` handed to subscribers.
    public var publishedSeq: Int64 { registry.withLock { $0.publishedSeq } }

    /// The number of connections registered.
    public var connectionCount: Int { registry.withLock { $0.subscribers.count } }

    func register(_ outbox: Outbox) -> ConnectionID {
        registry.withLock { registry in
            let id = registry.nextID
            registry.nextID += 1
            registry.subscribers[id] = Subscriber(outbox: outbox)
            return id
        }
    }

    func remove(_ id: ConnectionID) {
        registry.withLock { registry in
            guard let subscriber = registry.subscribers.removeValue(forKey: id) else { return }
            for channel in subscriber.channels.keys { registry.unindex(id, from: channel) }
        }
    }

    /// Subscribes a connection to `channels`; returns the `seq` after which live events flow, and
    /// for each channel it already had, the `seq` after which that channel's events were sent.
    ///
    /// With `since`, live events are held in the outbox until `Outbox.endHold()`, so the replay of
    /// `since`…returned `seq` can be sent first.
    func subscribe(_ id: ConnectionID, to channels: [String], since: Int64?, as audience: Audience) -> (
        liveFrom: Int64, earlier: [String: Int64]
    ) {
        registry.withLock { registry in
            let seq = registry.publishedSeq
            guard var subscriber = registry.subscribers[id] else { return (seq, [:]) }
            subscriber.audience = audience
            let earlier = subscriber.channels
            if since != nil { subscriber.outbox.beginHold() }
            for channel in channels where subscriber.channels[channel] == nil {
                subscriber.channels[channel] = min(since ?? seq, seq)
                registry.byChannel[channel, default: []].insert(id)
            }
            registry.subscribers[id] = subscriber
            return (seq, earlier)
        }
    }

    func unsubscribe(_ id: ConnectionID, from channels: [String]) {
        registry.withLock { registry in
            for channel in channels where registry.subscribers[id]?.channels.removeValue(forKey: channel) != nil {
                registry.unindex(id, from: channel)
            }
        }
    }

    /// Delivers committed events, in `seq` order, to every subscriber of their channels.
    func publish(_ events: [StoredEvent]) {
        guard !events.isEmpty else { return }
        registry.withLock { registry in
            for stored in events {
                registry.publishedSeq = stored.seq
                var labels: [ConnectionID: Int] = [:]
                for (index, channel) in stored.channels.enumerated() {
                    for id in registry.byChannel[channel] ?? [] where labels[id] == nil { labels[id] = index }
                }
                guard !labels.isEmpty else { continue }
                var frames: [Int: ByteBuffer] = [:]
                for (id, index) in labels {
                    guard let subscriber = registry.subscribers[id] else { continue }
                    guard subscriber.audience.seesEverything else {
                        let frame = Self.frame(stored, channel: stored.channels[index], for: subscriber.audience)
                        if let frame { subscriber.outbox.enqueueLive(frame) }
                        continue
                    }
                    let frame = frames[index] ?? Self.frame(stored, channel: stored.channels[index])
                    frames[index] = frame
                    subscriber.outbox.enqueueLive(frame)
                }
            }
        }
    }

    /// Delivers an ephemeral frame (not in the log) to the subscribers of one channel, except the
    /// sender. Returns how many connections it was queued to.
    @discardableResult
    func publishEphemeral(_ frame: ByteBuffer, on channel: String, except sender: ConnectionID) -> Int {
        registry.withLock { registry in
            var count = 0
            for id in registry.byChannel[channel] ?? [] where id != sender {
                registry.subscribers[id]?.outbox.enqueueLive(frame)
                count += 1
            }
            return count
        }
    }

    /// The number of connections subscribed to `channel`.
    func subscriberCount(on channel: String) -> Int {
        registry.withLock { $0.byChannel[channel]?.count ?? 0 }
    }

    /// The bytes of an `event` frame: the committed event JSON wrapped, not re-encoded.
    static func frame(_ stored: StoredEvent, channel: String) -> ByteBuffer {
        // Channel names never contain quotes or backslashes (Channel.init rejects them), so they
        // can be written between quotes as they are.
        var buffer = ByteBuffer()
        buffer.reserveCapacity(stored.json.utf8.count + channel.utf8.count + 64)
        buffer.writeString(#"{"channel":""#)
        buffer.writeString(channel)
        buffer.writeString(#"","event":"#)
        buffer.writeString(stored.json)
        buffer.writeString(#","seq":"#)
        buffer.writeString(String(stored.seq))
        buffer.writeString(#","type":"event"}"#)
        return buffer
    }
}

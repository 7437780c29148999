import NIOCore
import SwarmCore
import SwarmProtocol
import SwarmStore
import Synchronization

/// Who is subscribed to what, and the delivery of committed batches to them.
///
/// Publishing reads an immutable snapshot of the channel index, taken in one short lock together with
/// the new published `seq`, so subscribe and unsubscribe never wait for a publish to finish. A batch is
/// delivered per subscriber, not per event: each connection's frames of the batch (events, then its
/// acks) are offered to its outbox at once, and the writes are scheduled once per event loop, so a
/// connection is woken once per batch and writes its frames with one flush.
///
/// Each event is encoded once (its JSON comes from the commit); the frame around it is built once per
/// channel label, WebSocket header included (``WireFrame``), and the same buffer is queued to every
/// subscriber. An event reaches a connection at most once, labelled with the most specific
/// subscribed channel.
///
/// A requester's connection is kept in an index of its own, `guarded`: each event is passed through
/// `Policy.view` for her before it is queued (an internal note never reaches her, invariant 6), so
/// the staff's encode-once path never pays for that check.
public final class FanOut: Sendable {
    /// Identifies one connection.
    public typealias ConnectionID = UInt64

    /// Channel → its subscribers: the snapshot publishers read.
    typealias Index = [String: [ConnectionID: Outbox]]
    /// Channel → its subscribers who see only a view of the log (requesters), with whom they are.
    typealias GuardedIndex = [String: [ConnectionID: (outbox: Outbox, audience: Audience)]]

    private struct Registry {
        var subscriptions: [ConnectionID: Subscription] = [:]
        var index: Index = [:]
        var guarded: GuardedIndex = [:]
        /// The last `seq` handed to subscribers.
        var publishedSeq: Int64 = 0
        var nextID: ConnectionID = 1

        mutating func unindex(_ id: ConnectionID, from channel: String) {
            index[channel]?[id] = nil
            if index[channel]?.isEmpty == true { index[channel] = nil }
            guarded[channel]?[id] = nil
            if guarded[channel]?.isEmpty == true { guarded[channel] = nil }
        }
    }

    private struct Subscription {
        var outbox: Outbox
        /// Whom the connection is for, set by its subscriptions (a connection's principal never
        /// changes).
        var audience: Audience = .staff
        /// Channel → the `seq` after which this connection has been sent (or is being sent) its
        /// events: the subscribe's `since`, or the live start when it had none.
        var channels: [String: Int64] = [:]
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
    public var connectionCount: Int { registry.withLock { $0.subscriptions.count } }

    /// The channel subscriptions of all connections (read when `/metrics` is scraped).
    public var subscriptionTotal: Int {
        registry.withLock { $0.subscriptions.values.reduce(0) { $0 + $1.channels.count } }
    }

    func register(_ outbox: Outbox) -> ConnectionID {
        registry.withLock { registry in
            let id = registry.nextID
            registry.nextID += 1
            registry.subscriptions[id] = Subscription(outbox: outbox)
            return id
        }
    }

    func remove(_ id: ConnectionID) {
        registry.withLock { registry in
            guard let subscription = registry.subscriptions.removeValue(forKey: id) else { return }
            for channel in subscription.channels.keys { registry.unindex(id, from: channel) }
        }
    }

    /// The channels a connection is subscribed to.
    func channels(of id: ConnectionID) -> Set<String> {
        registry.withLock { Set($0.subscriptions[id]?.channels.keys.map { $0 } ?? []) }
    }

    /// The number of channels a connection is subscribed to.
    func subscriptionCount(of id: ConnectionID) -> Int {
        registry.withLock { $0.subscriptions[id]?.channels.count ?? 0 }
    }

    /// Subscribes a connection to `channels`; returns the `seq` after which live events flow, and
    /// for each channel it already had, the `seq` after which that channel's events were sent.
    ///
    /// With `since`, live events are held in the outbox until `Outbox.endHold()`, so the replay of
    /// `since`…returned `seq` can be sent first. Events reach the connection as `audience` may see them.
    func subscribe(_ id: ConnectionID, to channels: [String], since: Int64?, as audience: Audience = .staff) -> (
        liveFrom: Int64, earlier: [String: Int64]
    ) {
        registry.withLock { registry in
            let seq = registry.publishedSeq
            guard var subscription = registry.subscriptions[id] else { return (seq, [:]) }
            subscription.audience = audience
            let earlier = subscription.channels
            if since != nil { subscription.outbox.beginHold() }
            for channel in channels where subscription.channels[channel] == nil {
                subscription.channels[channel] = min(since ?? seq, seq)
                if audience.seesEverything {
                    registry.index[channel, default: [:]][id] = subscription.outbox
                } else {
                    registry.guarded[channel, default: [:]][id] = (subscription.outbox, audience)
                }
            }
            registry.subscriptions[id] = subscription
            return (seq, earlier)
        }
    }

    func unsubscribe(_ id: ConnectionID, from channels: [String]) {
        registry.withLock { registry in
            for channel in channels
            where registry.subscriptions[id]?.channels.removeValue(forKey: channel) != nil {
                registry.unindex(id, from: channel)
            }
        }
    }

    /// Delivers a committed batch: its events, in `seq` order, to every subscriber of their channels,
    /// then each reply to its connection. `state` is the committed state after the batch: what a
    /// requester may see of each event is decided against it.
    func publish(
        _ events: [StoredEvent], state: SwarmState?, replies: [(outbox: Outbox, frame: WireFrame)] = []
    ) {
        let (index, guarded) = registry.withLock { registry -> (Index, GuardedIndex) in
            if let last = events.last { registry.publishedSeq = last.seq }
            return (registry.index, registry.guarded)
        }
        var delivery = Self.group(events, index: index)
        var writes = WriteSchedule()
        for (outbox, frames) in delivery.frames where outbox.offer(frames, live: true) {
            writes.add(outbox)
        }
        if !guarded.isEmpty, let state {
            for (outbox, frames) in Self.group(events, guarded: guarded, in: state)
            where outbox.offer(frames, live: true) {
                writes.add(outbox)
            }
        }
        // Replies are never held by a replay: they answer commands, not subscriptions.
        var replyFrames: [ObjectIdentifier: (Outbox, [WireFrame])] = [:]
        var replyOrder: [ObjectIdentifier] = []
        for reply in replies {
            let key = ObjectIdentifier(reply.outbox)
            if replyFrames[key] == nil {
                replyOrder.append(key)
                replyFrames[key] = (reply.outbox, [])
            }
            replyFrames[key]!.1.append(reply.frame)
        }
        for key in replyOrder {
            let (outbox, frames) = replyFrames[key]!
            if outbox.offer(frames, live: false) { writes.add(outbox) }
        }
        delivery.frames = []
        writes.run()
    }

    /// The frames of a batch per subscriber, each connection's in `seq` order: pure, for tests.
    static func group(_ events: [some LoggedEvent], index: Index) -> (frames: [(Outbox, [WireFrame])], count: Int) {
        var slots: [ConnectionID: Int] = [:]
        var frames: [(Outbox, [WireFrame])] = []
        var count = 0
        func add(_ id: ConnectionID, _ outbox: Outbox, _ frame: WireFrame) {
            if let slot = slots[id] {
                frames[slot].1.append(frame)
            } else {
                slots[id] = frames.count
                frames.append((outbox, [frame]))
            }
            count += 1
        }
        for record in events {
            let subscribed = record.channels.indices.filter { index[record.channels[$0]] != nil }
            guard let first = subscribed.first else { continue }
            if subscribed.count == 1 {
                // The usual case: one channel of the event has subscribers; no labels to choose.
                let frame = frame(record, channel: record.channels[first])
                for (id, outbox) in index[record.channels[first]]! { add(id, outbox, frame) }
                continue
            }
            var labelled: Set<ConnectionID> = []
            for position in subscribed {
                let channel = record.channels[position]
                var frame: WireFrame? = nil
                for (id, outbox) in index[channel]! where labelled.insert(id).inserted {
                    if frame == nil { frame = Self.frame(record, channel: channel) }
                    add(id, outbox, frame!)
                }
            }
        }
        return (frames, count)
    }

    /// The frames of a batch for the requesters' connections, each event as its audience may see it
    /// (left out, whole, or redacted), each connection's in `seq` order. Each event's view is made once
    /// per audience and label, from the decided value it carries, however many connections share it.
    static func group(_ events: [StoredEvent], guarded: GuardedIndex, in state: SwarmState) -> [(Outbox, [WireFrame])] {
        var slots: [ConnectionID: Int] = [:]
        var frames: [(Outbox, [WireFrame])] = []
        for stored in events {
            var labelled: Set<ConnectionID> = []
            for channel in stored.channels {
                var views: [Audience: WireFrame?] = [:]
                for (id, subscriber) in guarded[channel] ?? [:] where labelled.insert(id).inserted {
                    let view =
                        views[subscriber.audience]
                        ?? frame(stored, event: stored.event, channel: channel, for: subscriber.audience, in: state)
                    views[subscriber.audience] = view
                    guard let frame = view else { continue }
                    if let slot = slots[id] {
                        frames[slot].1.append(frame)
                    } else {
                        slots[id] = frames.count
                        frames.append((subscriber.outbox, [frame]))
                    }
                }
            }
        }
        return frames
    }

    /// Delivers an ephemeral frame (not in the log: activity, metrics reports) to the staff
    /// connections subscribed to one channel, except the sender. Requesters' connections get none:
    /// who of the swarm is viewing or typing — perhaps an internal note — is the swarm's own
    /// business (Protocol/README.md §25), and they may not subscribe to `metrics`. Returns how many
    /// connections it was queued to.
    @discardableResult
    func publishEphemeral(_ frame: WireFrame, on channel: String, except sender: ConnectionID) -> Int {
        let staff = registry.withLock { $0.index[channel] ?? [:] }
        var writes = WriteSchedule()
        var count = 0
        for (id, outbox) in staff where id != sender {
            if outbox.offer(CollectionOfOne(frame), live: true) { writes.add(outbox) }
            count += 1
        }
        writes.run()
        return count
    }

    /// The number of connections subscribed to `channel`.
    func subscriberCount(on channel: String) -> Int {
        registry.withLock { ($0.index[channel]?.count ?? 0) + ($0.guarded[channel]?.count ?? 0) }
    }

    /// The bytes of an `event` frame: the committed event JSON wrapped, not re-encoded.
    static func frame(_ record: some LoggedEvent, channel: String) -> WireFrame {
        // Channel names never contain quotes or backslashes (Channel.init rejects them), so they
        // can be written between quotes as they are.
        WireFrame(capacity: record.json.utf8.count + channel.utf8.count + 64) { buffer in
            buffer.writeString(#"{"channel":""#)
            buffer.writeString(channel)
            buffer.writeString(#"","event":"#)
            buffer.writeString(record.json)
            buffer.writeString(#","seq":"#)
            buffer.writeString(String(record.seq))
            buffer.writeString(#","type":"event"}"#)
        }
    }
}

/// The outboxes whose writers must run, grouped by event loop: one task per loop runs them all.
struct WriteSchedule {
    private var loops: [ObjectIdentifier: (loop: any EventLoop, outboxes: [Outbox])] = [:]

    mutating func add(_ outbox: Outbox) {
        let loop = outbox.eventLoop
        loops[ObjectIdentifier(loop), default: (loop, [])].outboxes.append(outbox)
    }

    func run() {
        for (_, entry) in loops { Outbox.scheduleWrites(entry.outboxes, on: entry.loop) }
    }
}

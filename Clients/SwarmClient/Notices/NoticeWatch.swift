public import SwarmProtocol

/// The notice side of a ``WatchFeed``: reads its items, learns whom the notices are for and where
/// the news starts, and gives the notices, fetching a ticket's facts from the hub when needed.
public struct NoticeWatch: Sendable {
    public var tracker: NoticeTracker
    /// Whether the notices come from the feed's own channel (``WatchFeed/Item/own(_:)``) rather
    /// than from the shown one.
    public var fromOwnFeed: Bool
    /// Fetches a ticket; `nil` when it cannot.
    public var lookup: @Sendable (String) async -> Ticket?

    /// Notices of `kinds` from `feed`, fetching tickets with `lookup`.
    public init(
        feed: WatchFeed, kinds: Set<Notice.Kind>, lookup: @escaping @Sendable (String) async -> Ticket?
    ) {
        tracker = NoticeTracker(kinds: kinds)
        fromOwnFeed = feed.own != nil
        self.lookup = lookup
    }

    /// Notices of `kinds` from `feed`, fetching tickets from the hub of `credentials`.
    public init(feed: WatchFeed, kinds: Set<Notice.Kind>, credentials: Credentials) {
        let rest = RestClient(credentials)
        self.init(feed: feed, kinds: kinds) { id in try? await rest.ticket(id).ticket }
    }

    /// The notice `item` brings, if any.
    public mutating func notice(for item: WatchFeed.Item, now: Timestamp) async -> Notice? {
        let update: Watcher.Update
        switch item {
        case .shown(let shown) where !fromOwnFeed: update = shown
        case .own(let own) where fromOwnFeed: update = own
        default: return nil
        }
        switch update {
        case .started(let welcome, _, _, let liveAfter):
            tracker.start(me: welcome.agent, liveAfter: liveAfter)
            return nil
        case .event(let frame):
            return await tracker.notice(for: frame, now: now, lookup: lookup)
        default:
            return nil
        }
    }
}

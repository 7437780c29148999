public import Foundation
public import SwarmProtocol

/// The work list as one read of `GET /v1/tickets` answered it.
public struct WorkListSnapshot: Sendable, Hashable {
    /// The tickets read, in the list's order.
    public var tickets: [Ticket]
    /// How many tickets match in all (more than were read when a limit cut the reading short).
    public var total: Int
    /// The tickets' next SLA deadlines (for staff).
    public var deadlines: [String: Timestamp]
    /// When it was read.
    public var at: Timestamp

    /// A list read at `at`.
    public init(tickets: [Ticket], total: Int, deadlines: [String: Timestamp], at: Timestamp) {
        self.tickets = tickets
        self.total = total
        self.deadlines = deadlines
        self.at = at
    }
}

/// The live work list's state and decisions (`swarm tickets --live`): when to read the list again,
/// which channels to follow, when to draw, when to leave — as actions for the caller, who does the
/// reading, the following, the sleeping and the drawing. Pure: the time is passed in.
public struct LiveList: Sendable {
    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Read the list (and report with ``listed(_:at:)`` or ``readFailed(_:at:)``).
        case read
        /// Find the queues of the open tickets (and report with ``discovered(queues:)``), once.
        case discover
        /// Follow these channels too (``ExtraChannels``).
        case follow([String])
        /// Call ``alarm(at:)`` at this instant.
        case wake(at: ContinuousClock.Instant)
        /// Draw the screen again: what it shows changed.
        case redraw
        /// Draw every row again, whatever is on the screen (Ctrl-L).
        case repaint
        /// Leave the view.
        case quit
    }

    /// The state of the live feed.
    public enum Link: Sendable, Hashable {
        /// Not subscribed yet.
        case connecting
        /// Subscribed: changes arrive.
        case live
        /// The connection broke; the feed is reconnecting.
        case lost(String)
    }

    /// The filters and order read.
    public let query: TicketQuery
    /// The latest list read.
    public private(set) var list: WorkListSnapshot
    /// The live feed's state.
    public private(set) var link = Link.connecting
    /// Why the latest read failed, when it did (the list shown is then the one before).
    public private(set) var readError: String?
    /// When to read again.
    public private(set) var refresh: LiveRefresh
    /// The channels asked for so far, the feed's own among them.
    public private(set) var followed: Set<String> = []
    /// Whether the queue of every ticket seen is followed: staff whose list may show any queue.
    public private(set) var followsQueues = false

    /// At most this many channels in all: the hub takes at most 100 in one `subscribe`, and a
    /// reconnect names them all. Past it the periodic read still catches every change.
    public static let channelLimit = 90

    /// A live list that starts with `first`, read at `now`.
    public init(
        query: TicketQuery, first: WorkListSnapshot, refresh: LiveRefresh = LiveRefresh(), now: ContinuousClock.Instant
    ) {
        self.query = query
        self.list = first
        self.refresh = refresh
        self.refresh.finished(at: now)
    }

    /// The view opens: draw it, and wake for the periodic read.
    public mutating func start(at now: ContinuousClock.Instant) -> [Action] {
        [.redraw] + poll(at: now)
    }

    /// What the live feed said.
    public mutating func feed(_ update: Watcher.Update, at now: ContinuousClock.Instant) -> [Action] {
        switch update {
        case .started(let welcome, let channels, _, _):
            link = .live
            followed.formUnion(channels)
            // Whatever changed between the first read and the subscription.
            refresh.changed(at: now)
            return [.redraw] + chooseChannels(for: welcome) + poll(at: now)
        case .event(let frame):
            var actions: [Action] = []
            if followsQueues, case .ticketOpened(let ticket) = frame.event.payload {
                actions += follow([Channel.queue(ticket.queue).description])
            }
            // Events about an agent alone (skills, presence) change no row.
            guard frame.event.ticket != nil else { return actions }
            refresh.changed(at: now)
            return actions + poll(at: now)
        case .activity: return []
        case .lost(let reason):
            link = .lost(reason)
            return [.redraw]
        case .reconnected, .logReplaced:
            link = .live
            refresh.soon(at: now)
            return [.redraw] + poll(at: now)
        }
    }

    /// A read ended with `snapshot`.
    public mutating func listed(_ snapshot: WorkListSnapshot, at now: ContinuousClock.Instant) -> [Action] {
        list = snapshot
        readError = nil
        refresh.finished(at: now)
        let queues = followsQueues ? follow(snapshot.tickets.map { Channel.queue($0.queue).description }) : []
        return [.redraw] + queues + poll(at: now)
    }

    /// A read failed (the hub went away): the list stays as it was, and says why it is not fresh.
    public mutating func readFailed(_ reason: String, at now: ContinuousClock.Instant) -> [Action] {
        readError = reason
        refresh.finished(at: now)
        return [.redraw] + poll(at: now)
    }

    /// The queues the open tickets are in.
    public mutating func discovered(queues: [String]) -> [Action] {
        followsQueues ? follow(queues.map { Channel.queue($0).description }) : []
    }

    /// What the user typed.
    public mutating func keys(_ bytes: [UInt8], at now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        for key in LiveKey.decode(bytes) {
            switch key {
            case .quit: return [.quit]
            case .refresh:
                refresh.soon(at: now)
                actions += poll(at: now)
            case .repaint: actions.append(.repaint)
            }
        }
        return actions
    }

    /// The instant of a ``Action/wake(at:)`` came.
    public mutating func alarm(at now: ContinuousClock.Instant) -> [Action] {
        poll(at: now)
    }

    /// The header line, at most `width` columns: the command, how many tickets and when the list was
    /// read (or why it is not live), and the keys. When it does not fit, the keys go first, then the
    /// end of the command: the state is what must be seen.
    public func header(title: String, width: Int = .max, style: Style, timeZone: TimeZone = .current) -> String {
        let count = list.total == 1 ? "1 ticket" : "\(list.total) tickets"
        let read = "updated " + ClockTime.seconds(list.at, timeZone: timeZone)
        let state: String
        var alarming = true
        if case .lost(let reason) = link {
            state = "connection lost: \(reason); reconnecting… (\(read))"
        } else if let readError {
            state = "cannot read the list: \(readError); retrying (\(read))"
        } else {
            state = link == .connecting ? "\(count), \(read), connecting…" : "\(count), \(read)"
            alarming = false
        }
        let keys = "q quits, r reads again"
        let gap = "   "
        let painted = alarming ? style.paint(state, .red) : state
        func columns(_ text: String) -> Int { TerminalColumns.width(of: text) }
        if columns(title + gap + state + gap + keys) <= width {
            return style.paint(title, .bold) + gap + painted + gap + style.paint(keys, .dim)
        }
        if columns(title + gap + state) <= width { return style.paint(title, .bold) + gap + painted }
        let room = width - columns(gap + state)
        guard room >= 12 else {
            let cut = TerminalColumns.cut(state, to: width)
            return alarming ? style.paint(cut, .red) : cut
        }
        return style.paint(TerminalColumns.cut(title, to: room - 1) + "…", .bold) + gap + painted
    }

    /// Which channels besides the feed's own (`agent:` and, for staff, `queue:general`) the list needs
    /// so that every change to a ticket it could show reaches it (Protocol §9).
    private mutating func chooseChannels(for welcome: Welcome) -> [Action] {
        // A requester's own channel carries every ticket she may see.
        guard welcome.role.worksTickets else { return [] }
        // Every event of a queue's tickets is on its channel. A name no channel can have (a space in
        // it) no ticket has either — the hub refuses it when a ticket is opened — so nothing to follow.
        if let queue = query.queue {
            return Channel("queue:\(queue)") == nil ? [] : follow([Channel.queue(queue).description])
        }
        // Tickets I swarm on or own: every event of theirs is on my own channel.
        if query.member == welcome.agent { return [] }
        // Any queue: `dispatch` carries every new ticket (and so every new queue), and the queues
        // are followed as they become known — those of the tickets listed, of the open tickets, of
        // the tickets opened from now on.
        followsQueues = true
        return follow([Channel.dispatch.description] + list.tickets.map { Channel.queue($0.queue).description })
            + [.discover]
    }

    /// Follows those of `channels` not followed yet, within ``channelLimit``.
    private mutating func follow(_ channels: [String]) -> [Action] {
        var new: [String] = []
        for channel in channels where !followed.contains(channel) && followed.count < Self.channelLimit {
            followed.insert(channel)
            new.append(channel)
        }
        return new.isEmpty ? [] : [.follow(new)]
    }

    private mutating func poll(at now: ContinuousClock.Instant) -> [Action] {
        let (read, wake) = refresh.poll(at: now)
        return (read ? [.read] : []) + (wake.map { [.wake(at: $0)] } ?? [])
    }
}

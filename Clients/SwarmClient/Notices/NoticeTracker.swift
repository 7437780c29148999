public import SwarmProtocol

/// Turns one feed of events into one person's notices: the ``NoticeClassifier`` plus what it needs
/// to remember — the facts of the tickets seen, where the feed's replay ends, and the kinds the
/// person chose.
///
/// A value: the caller owns it and does the I/O. When an event may be a notice but its ticket is
/// unknown, ``step(_:now:)`` says so (``Step/needTicket(_:)``); the caller fetches the ticket,
/// gives it to ``learn(_:)`` and steps again (``notice(for:now:lookup:)`` does exactly that).
public struct NoticeTracker: Sendable {
    /// Who the notices are for; `nil` until the feed has said (its `welcome`).
    public var me: String?
    /// The kinds that reach the person.
    public var kinds: Set<Notice.Kind>
    /// Events at or before this seq are the feed's opening replay (history, `--since`): shown, not
    /// rung about. Events after it are news, including those replayed after a reconnect.
    public var liveAfter: Int64?
    /// The facts of the tickets seen, at most ``capacity`` of them.
    public private(set) var tickets: [String: TicketFacts] = [:]
    /// Ticket ids in the order they were learned, to forget the oldest first.
    private var learned: [String] = []
    /// How many tickets' facts are kept.
    public var capacity: Int

    /// What to do with an event.
    public enum Step: Sendable, Hashable {
        /// Ring: it is a notice of a kind the person chose.
        case notice(Notice)
        /// It may be a notice, but the ticket is unknown: learn it (`GET /v1/tickets/{id}`) and step again.
        case needTicket(String)
        /// Nothing to ring about.
        case none
    }

    /// A tracker for `me` (or whoever the feed's welcome names), ringing for `kinds`.
    public init(me: String? = nil, kinds: Set<Notice.Kind> = Set(Notice.Kind.allCases), capacity: Int = 1000) {
        self.me = me
        self.kinds = kinds
        self.capacity = capacity
    }

    /// The feed started: who it is for and where its opening replay ends.
    public mutating func start(me: String, liveAfter: Int64) {
        if self.me == nil { self.me = me }
        if self.liveAfter == nil { self.liveAfter = liveAfter }
    }

    /// Remembers a ticket as the hub sent it.
    public mutating func learn(_ ticket: Ticket) {
        if tickets[ticket.id] == nil {
            learned.append(ticket.id)
            if learned.count > capacity { tickets[learned.removeFirst()] = nil }
        }
        tickets[ticket.id] = TicketFacts(ticket)
    }

    /// What to do with `frame`, and the ticket facts brought up to date with it — except when it
    /// answers ``Step/needTicket(_:)``, which leaves everything as it was for the second step.
    public mutating func step(_ frame: EventFrame, now: Timestamp) -> Step {
        let event = frame.event
        guard let me, let liveAfter, frame.seq > liveAfter else {
            observe(event)
            return .none
        }
        if case .ticketOpened(let ticket) = event.payload { learn(ticket) }
        let facts = event.ticket.flatMap { tickets[$0] }
        if facts == nil, let id = event.ticket, NoticeClassifier.mayConcern(event, me: me), wantsFacts(event) {
            return .needTicket(id)
        }
        defer { observe(event) }
        guard let notice = NoticeClassifier.classify(event, seq: frame.seq, me: me, ticket: facts, now: now),
            kinds.contains(notice.kind)
        else { return .none }
        return .notice(notice)
    }

    /// The notice for `frame`, if any, fetching its ticket with `lookup` when the classifier needs
    /// it; a ticket that cannot be fetched (gone, no right to it, the hub away) gives no notice
    /// unless the event is one without it.
    public mutating func notice(
        for frame: EventFrame, now: Timestamp, lookup: (String) async -> Ticket?
    ) async -> Notice? {
        switch step(frame, now: now) {
        case .notice(let notice): return notice
        case .none: return nil
        case .needTicket(let id):
            if let ticket = await lookup(id), ticket.id == id {
                learn(ticket)
            } else {
                // Classify without facts: an invitation or an assignment still rings.
                defer { observe(frame.event) }
                guard let me,
                    let notice = NoticeClassifier.classify(frame.event, seq: frame.seq, me: me, ticket: nil, now: now),
                    kinds.contains(notice.kind)
                else { return nil }
                return notice
            }
            if case .notice(let notice) = step(frame, now: now) { return notice }
            return nil
        }
    }

    /// Whether the facts are worth a fetch for this event: for the kinds the person chose only, and
    /// for an invitation or assignment only for the title (they ring without it).
    private func wantsFacts(_ event: SwarmEvent) -> Bool {
        switch event.payload {
        case .expertInvited: kinds.contains(.invite)
        case .ownerAdded, .ticketEscalated: kinds.contains(.assign)
        case .slaWarning, .slaBreached: kinds.contains(.sla)
        case .commentAdded: kinds.contains(.answer)
        default: false
        }
    }

    /// Keeps the facts of a known ticket current.
    private mutating func observe(_ event: SwarmEvent) {
        guard let id = event.ticket else { return }
        if case .ticketOpened(let ticket) = event.payload {
            learn(ticket)
            return
        }
        tickets[id]?.apply(event.payload)
    }
}

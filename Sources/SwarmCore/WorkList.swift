internal import Foundation
internal import SwarmLanguage
public import SwarmProtocol

/// The work list (issue 27, item 1): which tickets a person sees, in which order, page by page, and the
/// one to take next. Pure: the REST routes (`GET /v1/tickets`, `GET /v1/tickets/next`) read it from the
/// committed state.
public struct WorkListQuery: Sendable, Hashable {
    /// Only these statuses; empty: every status.
    public var statuses: Set<TicketStatus> = []
    /// Only tickets not resolved or closed.
    public var openOnly = false
    public var queue: String?
    /// Only these priorities; empty: every priority.
    public var priorities: Set<Priority> = []
    /// Only tickets needing this tag or a tag under it (`network` matches `network.vpn`).
    public var skill: String?
    /// Only tickets this agent owns.
    public var owner: String?
    /// Only tickets this agent swarms on or owns.
    public var member: String?
    /// Only this requester's tickets (a requester's own list).
    public var requester: String?
    /// Words every ticket must contain — in the title, the description or a comment the reader may
    /// see — in any inflected form (German and English stems) or as written (case and accents ignored).
    public var text: String?
    public var order: WorkListOrder = .newest

    public init() {}
}

/// The orders of the work list.
public enum WorkListOrder: String, Sendable, Hashable, CaseIterable {
    /// The newest ticket first (the default).
    case newest
    /// P1 first; the oldest first within a priority.
    case priority
    /// The nearest SLA deadline first — breached ones, most overdue first — then tickets without one.
    case deadline
    /// The oldest first.
    case age
    /// The most recently active first.
    case activity
}

/// One page of the work list.
public struct WorkListPage: Sendable, Hashable {
    public var tickets: [Ticket]
    public var total: Int
    /// The cursor of the next page; nil on the last.
    public var next: String?
}

extension SwarmState {
    /// The tickets matching `query` that `audience` may see, in its order, after `cursor` (a page's
    /// `next`; `T-42` is also taken for the newest-first order), at most `limit`.
    public func workList(
        _ query: WorkListQuery, for audience: Audience, after cursor: WorkListCursor?, limit: Int, at now: Timestamp,
        settings: SwarmSettings
    ) -> WorkListPage {
        let search = query.text.map { TextSearch($0) }
        var matching: [(key: WorkListCursor, ticket: Ticket)] = []
        for ticket in tickets.values where matches(ticket, query, audience: audience, search: search) {
            matching.append((Self.sortKey(ticket, query.order, settings: settings), ticket))
        }
        matching.sort { $0.key < $1.key }
        let rest = cursor.map { cursor in matching.drop { !(cursor < $0.key) } } ?? matching[...]
        let page = rest.prefix(limit)
        let next = rest.count > limit ? page.last?.key : nil
        return WorkListPage(
            tickets: page.map(\.ticket), total: matching.count,
            next: next.map { query.order == .newest ? Ticket.id(number: Int(-$0.number)) : $0.description })
    }

    private func matches(_ ticket: Ticket, _ query: WorkListQuery, audience: Audience, search: TextSearch?) -> Bool {
        if let requester = query.requester, ticket.requester != requester { return false }
        if !query.statuses.isEmpty, !query.statuses.contains(ticket.status) { return false }
        if query.openOnly, ticket.status.isDone { return false }
        if let queue = query.queue, ticket.queue != queue { return false }
        if !query.priorities.isEmpty, !query.priorities.contains(ticket.priority) { return false }
        if let skill = query.skill, !ticket.requiredSkills.contains(where: { $0 == skill || $0.hasPrefix(skill + ".") })
        {
            return false
        }
        if let owner = query.owner, !ticket.owners.contains(owner) { return false }
        if let member = query.member, !ticket.members.contains(member), !ticket.owners.contains(member) { return false }
        guard let search else { return true }
        var texts = [ticket.title, ticket.description]
        for comment in ticket.comments {
            if let shown = Policy.view(of: comment, for: audience) { texts.append(shown.body) }
        }
        return search.isMatched(by: texts.joined(separator: "\n"))
    }

    static func sortKey(_ ticket: Ticket, _ order: WorkListOrder, settings: SwarmSettings) -> WorkListCursor {
        let number = Int64(ticket.number)
        switch order {
        case .newest: return WorkListCursor(key: -number, number: -number)
        case .priority:
            let rank = Int64(Priority.allCases.firstIndex(of: ticket.priority) ?? 0)
            return WorkListCursor(key: rank, number: number)
        case .deadline:
            return WorkListCursor(
                key: nextDeadline(of: ticket, settings: settings)?.milliseconds ?? .max, number: number)
        case .age: return WorkListCursor(key: ticket.openedAt.milliseconds, number: number)
        case .activity: return WorkListCursor(key: -ticket.updatedAt.milliseconds, number: -number)
        }
    }

    /// The place of ticket `id` in `order`: a page after it starts with the ticket that follows it.
    /// Nil when there is no such ticket.
    public func workListCursor(after id: String, order: WorkListOrder, settings: SwarmSettings) -> WorkListCursor? {
        tickets[id].map { Self.sortKey($0, order, settings: settings) }
    }

    /// When the ticket's next SLA target falls due — the first response while none was given, else the
    /// resolution — or nil when its queue has no SLA or the ticket is done.
    public static func nextDeadline(of ticket: Ticket, settings: SwarmSettings) -> Timestamp? {
        guard !ticket.status.isDone else { return nil }
        let targets: [SLATarget] = ticket.firstResponseAt == nil ? [.firstResponse, .resolution] : [.resolution]
        return targets.compactMap { slaDue(of: ticket, $0, settings: settings) }.min()
    }
}

/// A place in the work list: the ticket's sort key and its number (so equal keys keep one order).
/// Written `<key>_<number>`; the newest-first order also reads `T-42`.
public struct WorkListCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var key: Int64
    public var number: Int64

    public static func < (a: WorkListCursor, b: WorkListCursor) -> Bool {
        a.key != b.key ? a.key < b.key : a.number < b.number
    }

    public var description: String { "\(key)_\(number)" }

    /// Reads a page's `next`; nil when it is not one.
    public init?(_ text: String, order: WorkListOrder) {
        if order == .newest, text.hasPrefix("T-"), let ticket = Int64(text.dropFirst(2)), ticket > 0 {
            (key, number) = (-ticket, -ticket)
            return
        }
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let key = Int64(parts[0]), let number = Int64(parts[1]) else { return nil }
        (self.key, self.number) = (key, number)
    }

    init(key: Int64, number: Int64) {
        self.key = key
        self.number = number
    }
}

/// The ticket a person should take next, and why.
public struct NextTicket: Sendable, Hashable {
    public var ticket: Ticket
    /// Why this one, in order: its priority, its deadline, the skills of the person it matches.
    public var reasons: [String]
    public var deadline: Timestamp?
}

extension SwarmState {
    /// The ticket `agent` should take next — the pull model swarming is built on: of the tickets not
    /// done, not waiting on their requester and owned by nobody, that `agent` is not already in, the
    /// highest priority; within it, one needing a skill of theirs before one needing none of theirs;
    /// then the nearest SLA deadline; then the oldest. Nil when there is nothing to take.
    public func nextTicket(for agent: String, at now: Timestamp, settings: SwarmSettings) -> NextTicket? {
        let skills = agents[agent]?.skills ?? [:]
        func matched(_ ticket: Ticket) -> [String] {
            ticket.requiredSkills.filter { tag in
                skills.keys.contains { $0 == tag || tag.hasPrefix($0 + ".") || $0.hasPrefix(tag + ".") }
            }
        }
        var best: (key: [Int64], ticket: Ticket, matched: [String], deadline: Timestamp?)?
        for ticket in tickets.values {
            guard !ticket.status.isDone, ticket.status != .waiting, ticket.owners.isEmpty,
                !ticket.members.contains(agent), ticket.requester != agent
            else { continue }
            let match = matched(ticket)
            let deadline = Self.nextDeadline(of: ticket, settings: settings)
            let key: [Int64] = [
                Int64(Priority.allCases.firstIndex(of: ticket.priority) ?? 0),
                match.isEmpty && !ticket.requiredSkills.isEmpty ? 1 : 0,
                deadline?.milliseconds ?? .max, Int64(ticket.number),
            ]
            if let current = best, !key.lexicographicallyPrecedes(current.key) { continue }
            best = (key, ticket, match, deadline)
        }
        guard let best else { return nil }
        var reasons = ["\(best.ticket.priority.rawValue), the highest priority nobody has taken"]
        if let deadline = best.deadline {
            let left = deadline.milliseconds - now.milliseconds
            reasons.append(
                left <= 0
                    ? "its SLA target was due \(DurationText.describe(milliseconds: -left)) ago"
                    : "its SLA target is due in \(DurationText.describe(milliseconds: left))")
        }
        if !best.matched.isEmpty {
            let levels = best.matched.map { tag in
                let level =
                    skills[tag] ?? skills.first { tag.hasPrefix($0.key + ".") || $0.key.hasPrefix(tag + ".") }?.value
                return level.map { "\(tag) (your level \($0))" } ?? tag
            }
            reasons.append("needs " + levels.joined(separator: ", "))
        } else if !best.ticket.requiredSkills.isEmpty {
            reasons.append(
                "needs \(best.ticket.requiredSkills.joined(separator: ", ")), none of your skills; nothing else waits")
        }
        reasons.append(
            "opened \(DurationText.describe(milliseconds: now.milliseconds - best.ticket.openedAt.milliseconds)) ago")
        return NextTicket(ticket: best.ticket, reasons: reasons, deadline: best.deadline)
    }
}

/// The work list's free text: every word, in any of its forms (Snowball's German and English stems,
/// stop words left out: "Papierstaus" finds "Papierstau"), or every word as written, inside other words
/// too ("VPN" in "VPN-Client", a ticket number), case and accents ignored.
struct TextSearch {
    let query: SearchQuery
    let written: [String]

    init(_ text: String) {
        query = SearchQuery(text)
        written = SearchText.words(text).map(Self.fold)
    }

    func isMatched(by text: String) -> Bool {
        if !query.isEmpty, query.isMatched(byAll: Set(SearchText.terms(of: text))) { return true }
        let folded = Self.fold(text)
        return !written.isEmpty && written.allSatisfy { folded.contains($0) }
    }

    /// Case and accents ignored ("Störung" matches "storung" and "STÖRUNG").
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}

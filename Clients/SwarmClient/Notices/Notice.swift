public import SwarmProtocol

/// Something that happened which a person should hear about even when not looking: an invitation
/// to a swarm, a ticket given to them, an SLA about to slip on a ticket they own, or the requester
/// answering on a ticket they work on.
///
/// Its text is other people's (titles, comments), already cleaned of control characters; the
/// encoders of ``TerminalNotice`` flatten it further for escape sequences.
public struct Notice: Sendable, Hashable {
    /// What kind of notice it is; people choose the kinds that reach them (`swarm notify --on`). The
    /// rule for which events are notices is SwarmProtocol's ``NoticeRule``, shared with the hub's mails.
    public typealias Kind = NoticeKind

    public var kind: Kind
    /// The ticket it is about.
    public var ticket: String
    /// The seq of the event it comes from.
    public var seq: Int64
    /// A short headline: "invitation: T-42".
    public var title: String
    /// What happened, in one line: `swarmd invited you (score 100), answer in 9m: "VPN drops"`.
    public var body: String

    /// Creates a notice.
    public init(kind: Kind, ticket: String, seq: Int64, title: String, body: String) {
        self.kind = kind
        self.ticket = ticket
        self.seq = seq
        self.title = title
        self.body = body
    }

    /// The line printed in the pane, so the notice stays visible after the bell:
    /// `🔔 invitation: T-42 — swarmd invited you (score 100), answer in 9m: "VPN drops"  #57`.
    public var line: String { "🔔 \(title) — \(body)  #\(seq)" }
}

extension NoticeKind {
    /// The word the notice line starts with.
    public var label: String {
        switch self {
        case .invite: "invitation"
        case .assign: "assigned"
        case .sla: "SLA"
        case .answer: "answer"
        }
    }
}

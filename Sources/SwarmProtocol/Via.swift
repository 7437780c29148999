/// How a ticket came in: the channel its requester used, or the agent who recorded it used for her.
///
/// Every ticket records one (`Ticket.via`). Staff who open a ticket may say which (`ticket.open`'s
/// `via`, `swarm open --via phone`); otherwise it is `monitoring` for an alert (a `ticket.open` with a
/// `dedupKey`, `POST /v1/alerts`, the Alertmanager webhook), `portal` for a requester's own ticket and
/// `api` for staff's. The leads' metrics break every figure down by it (docs/metrics.md).
public enum Via: String, Codable, Sendable, CaseIterable {
    /// A call to the desk, recorded by the agent who took it.
    case phone
    /// A mail to the desk.
    case email
    /// The requester herself, through the self-service portal (or her own client).
    case portal
    /// A chat with the desk.
    case chat
    /// Someone who came to the desk in person.
    case walkIn = "walk-in"
    /// A monitoring alert.
    case monitoring
    /// Another system, or staff through the API and the `swarm` client.
    case api

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}

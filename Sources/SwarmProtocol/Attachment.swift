/// A file on a ticket — a screenshot, a log — as the log and clients know it: its metadata only. The
/// bytes live in the hub's store, content-addressed by ``sha256`` (the same file attached twice is
/// stored once), and are read with `GET /v1/attachments/{id}`.
///
/// An attachment has a visibility as a comment has: `internal` ones are the swarm's (never shown to
/// the requester, on any path), `public` ones the requester sees too (Protocol/README.md, invariant 6).
public struct Attachment: Codable, Sendable, Hashable {
    /// `A-7`: numbered across the hub, in the order attached.
    public var id: String
    /// The file's name as given, made safe (no path, no control or bidi characters; at most 255 bytes).
    public var name: String
    /// The media type the hub sniffed from the bytes (not the one the uploader claimed).
    public var mediaType: String
    /// Bytes.
    public var size: Int64
    /// The SHA-256 of the bytes, 64 lower-case hex digits.
    public var sha256: String
    public var visibility: CommentVisibility
    /// Who attached it.
    public var author: String
    public var at: Timestamp

    public init(
        id: String, name: String, mediaType: String, size: Int64, sha256: String, visibility: CommentVisibility,
        author: String, at: Timestamp
    ) {
        self.id = id
        self.name = name
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.visibility = visibility
        self.author = author
        self.at = at
    }

    /// The number in the id (`7` for `A-7`).
    public var number: Int { Int(id.dropFirst(2)) ?? 0 }

    /// The id for a number.
    public static func id(number: Int) -> String { "A-\(number)" }

    /// Whether `text` is 64 lower-case hex digits.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// What the hub attaches once the bytes are stored: the uploader's file, on `ticket`, with the
/// metadata the hub found (name made safe, media type sniffed, size and hash counted while storing).
/// Not a WebSocket frame — the bytes come by REST (`POST /v1/tickets/{id}/attachments`) — but decided
/// like one, for the uploader.
public struct AttachmentAdd: Codable, Sendable, Hashable {
    public var ticket: String
    public var name: String
    public var mediaType: String
    public var size: Int64
    public var sha256: String
    /// `internal` or `public`; absent: public for a requester, internal for staff (as comments).
    public var visibility: CommentVisibility?

    public init(
        ticket: String, name: String, mediaType: String, size: Int64, sha256: String,
        visibility: CommentVisibility? = nil
    ) {
        self.ticket = ticket
        self.name = name
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.visibility = visibility
    }
}

public import SwarmProtocol

extension SwarmState {
    /// A file the hub has stored, attached for `principal`: the metadata is checked (the REST route
    /// made it; a bug there must not reach the log), the ticket must not be closed, and its files
    /// together stay within ``SwarmSettings/attachmentMaxTicket``.
    func decideAttach(_ add: AttachmentAdd, by principal: Principal, at now: Timestamp, settings: SwarmSettings)
        throws(DomainError) -> [SwarmEvent]
    {
        let ticket = try activeTicket(add.ticket)
        guard (1...255).contains(add.name.utf8.count) else {
            throw .invalid("field 'name' must have 1 to 255 bytes")
        }
        let (maxFile, maxTicket) = (Int64(settings.attachmentMaxFile), Int64(settings.attachmentMaxTicket))
        guard add.size >= 0, add.size <= maxFile else {
            throw .tooLarge(
                "the file has \(add.size) bytes, \(add.size - maxFile) over the limit of \(maxFile) bytes per file")
        }
        guard Attachment.isSHA256(add.sha256) else { throw .invalid("field 'sha256' must be 64 lower-case hex digits") }
        guard add.mediaType.contains("/"), add.mediaType.utf8.count <= 255 else {
            throw .invalid("field 'mediaType' must be a media type like text/plain")
        }
        let held = ticket.attachments.reduce(Int64(0)) { $0 + $1.size }
        guard held + add.size <= maxTicket else {
            // A requester is not told the total: it counts internal files, whose existence is the swarm's
            // (invariant 6).
            guard principal.role != .requester else {
                throw .tooLarge(
                    "\(ticket.id) has no room for \(add.size) more bytes of files: its limit is \(maxTicket) bytes per ticket"
                )
            }
            throw .tooLarge(
                "\(ticket.id) holds \(held) bytes of files; with \(add.size) more it would be "
                    + "\(held + add.size - maxTicket) bytes over its limit of \(maxTicket) bytes per ticket")
        }
        let visibility = add.visibility ?? (principal.role == .requester ? .public : .internal)
        let attachment = Attachment(
            id: Attachment.id(number: attachmentCount + 1), name: add.name, mediaType: add.mediaType, size: add.size,
            sha256: add.sha256, visibility: visibility, author: principal.id, at: now)
        return [SwarmEvent(ticket: ticket.id, actor: principal.id, at: now, payload: .attachmentAdded(attachment))]
    }
}

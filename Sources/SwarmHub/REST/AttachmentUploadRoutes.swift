import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwarmCore
import SwarmFiles
import SwarmProtocol
import SwarmStore

/// `POST /v1/tickets/{id}/attachments`: a file onto a ticket, streamed into the store a chunk at a time
/// (its download is ``AttachmentRoutes``).
///
/// An upload is stored before its event commits (``BlobStore``), so the event never names bytes that are
/// not there; an upload refused afterwards leaves a blob no event names, which the sweep removes. The
/// media type is the one libmagic finds in the bytes, never the one the client claims; the file name is
/// made safe (``AttachmentName``). Who may read an attachment is who may read its ticket, and of an
/// internal one, staff only (invariant 6): anyone else gets the same 404 as for an id that does not
/// exist.
struct AttachmentUploadRoutes {
    let ledger: Ledger
    /// Stores, scans and sniffs the file (the one way a file comes in, mail's too).
    let intake: AttachmentIntake
    let limits: PrincipalLimits
    let settings: SwarmSettings
    let clock: HubClock

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.post(":id/attachments", use: upload)
        routes.allow([.post], at: ":id/attachments")
        return routes
    }

    /// `POST /v1/tickets/{id}/attachments?name=&visibility=`: the body is the file, or a
    /// `multipart/form-data` body holds it (``FormDataFile``: a part `file`, and the fields `name` and
    /// `visibility` before or after it; query parameters win over fields, a field over the part's file name).
    @Sendable func upload(_ request: Request, context: HubRequestContext) async throws -> EditedResponse<AttachedFile> {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        guard let ticket = ledger.snapshot.state.tickets[id], Policy.canRead(principal, ticket) else {
            throw HubError(.notFound, "no ticket \(id)")
        }
        let query = request.uri.queryParameters
        var visibility = try Self.visibility(query.get("visibility"), from: "parameter")
        var given = try Self.name(query.get("name"), from: "parameter")
        let key = try RequestBody.idempotencyKey(request)
        var form = try FormDataFile(contentType: request.headers[.contentType])
        // A retry of a raw upload that was attached gets the first answer, its body unread: not stored again,
        // and not refused for what changed since (the ticket closed, say). Everything it says is in its query,
        // checked above. A form's retry is answered once its fields are read and checked, below.
        if form == nil, let key, let ack = await ledger.committedAck(of: key, by: principal) {
            return try await replay(ack)
        }
        let limit = Int64(settings.attachmentMaxFile)
        if form == nil, let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit {
            throw AttachmentIntake.overLimit(length, limit: limit)
        }
        try admit(ticket: id, name: AttachmentName.sanitize(given ?? ""), visibility: visibility, by: principal)

        let upload = try await intake.begin()
        var partName: String?
        do {
            for try await buffer in request.body {
                for piece in try form?.read(buffer) ?? [.bytes(buffer)] {
                    switch piece {
                    case .begin(let filename, let fields):
                        partName = filename
                        try admit(
                            ticket: id, name: AttachmentName.sanitize(given ?? ""),
                            visibility: try visibility ?? Self.visibility(fields["visibility"], from: "field"),
                            by: principal)
                    case .bytes(let buffer):
                        try await upload.write(buffer)
                    }
                }
            }
            if let fields = try form?.finish() {
                // The form's own name and visibility, checked as the query's are, used unless the query gave
                // its own; the part's file name when nothing else names the file.
                let named = try Self.name(fields["name"] ?? partName, from: "field")
                let seen = try Self.visibility(fields["visibility"], from: "field")
                given = given ?? named
                visibility = visibility ?? seen
                if let key, let ack = await ledger.committedAck(of: key, by: principal) {
                    await upload.discard()
                    return try await replay(ack)
                }
            }
        } catch {
            // Over the limit, the body cut off or malformed, or the store failed: nothing was attached, nothing
            // is kept.
            await upload.discard()
            throw error
        }
        let name = AttachmentName.sanitize(given ?? "")
        // Stored, then scanned: a finding attaches nothing (the stored bytes are named by no event and go with
        // the sweep).
        let file = try await upload.finish(name: name, ticket: id, by: principal.id)
        let add = file.attachment(to: id, name: name, visibility: visibility)
        return try answer(try await ledger.submit(.attach(add), by: principal, id: key).get())
    }

    /// The first answer to a retried upload. On a cluster it may come from another node: its event is
    /// applied here first.
    private func replay(_ ack: Ack) async throws -> EditedResponse<AttachedFile> {
        if let seq = ack.seq { _ = await ledger.waitUntilApplied(seq, within: .seconds(5)) }
        return try answer(ack)
    }

    /// `201` with the attached file that `ack` names.
    private func answer(_ ack: Ack) throws -> EditedResponse<AttachedFile> {
        guard let attachmentID = ack.attachment, let (attachment, _) = ledger.snapshot.state.attachment(attachmentID)
        else {
            throw HubError(.internal, "the file was attached but cannot be read back")
        }
        return EditedResponse(
            status: .created, headers: [.location: "/v1/attachments/\(attachment.id)"],
            response: AttachedFile(attachment: attachment, seq: ack.seq ?? 0))
    }

    /// Refuses, before a byte is stored, what the attach would be refused for anyway: a requester's internal
    /// file, a closed ticket, a full one, a principal over its limits. The decision that counts is the
    /// ledger's, on the stored file.
    private func admit(ticket: String, name: String, visibility: CommentVisibility?, by principal: Principal) throws {
        let probe = AttachmentAdd(
            ticket: ticket, name: name, mediaType: "application/octet-stream", size: 0,
            sha256: String(repeating: "0", count: 64), visibility: visibility)
        do {
            try limits.admitWrite(.attach(probe), by: principal, in: ledger.snapshot.state)
            _ = try ledger.snapshot.state.decide(.attach(probe), by: principal, at: clock(), settings: settings)
        } catch let error as DomainError {
            throw HubError(error)
        } catch let error as PrincipalLimits.Refusal {
            throw error.error
        }
    }

    /// A visibility given as a query parameter or a form field.
    private static func visibility(_ text: String?, from source: String) throws(HubError) -> CommentVisibility? {
        guard let text else { return nil }
        guard let given = CommentVisibility(rawValue: text) else {
            throw HubError(.invalidField, "\(source) 'visibility' must be public or internal, not '\(text)'")
        }
        return given
    }

    /// A file name given as a query parameter, a form field or a part's file name; made safe later.
    private static func name(_ text: String?, from source: String) throws(HubError) -> String? {
        guard let text else { return nil }
        guard text.count <= 1024 else {
            throw HubError(.invalidField, "\(source) 'name' must have at most 1024 characters")
        }
        return text
    }

}

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
    let store: any EventStore
    let limits: PrincipalLimits
    let settings: SwarmSettings
    let sniffer: MediaSniffer
    /// The virus scanner every upload goes through before it is attached, when there is one.
    let scanner: AttachmentScanner?
    let clock: HubClock

    /// How many leading bytes the media type is sniffed from.
    static let sniffLength = 65_536

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.post(":id/attachments", use: upload)
        routes.allow([.post], at: ":id/attachments")
        return routes
    }

    /// `POST /v1/tickets/{id}/attachments?name=&visibility=`: the body is the file.
    @Sendable func upload(_ request: Request, context: HubRequestContext) async throws -> EditedResponse<AttachedFile> {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        guard let ticket = ledger.snapshot.state.tickets[id], Policy.canRead(principal, ticket) else {
            throw HubError(.notFound, "no ticket \(id)")
        }
        let visibility: CommentVisibility?
        switch request.uri.queryParameters.get("visibility") {
        case nil: visibility = nil
        case let text?:
            guard let given = CommentVisibility(rawValue: text) else {
                throw HubError(.invalidField, "parameter 'visibility' must be public or internal, not '\(text)'")
            }
            visibility = given
        }
        let given = request.uri.queryParameters.get("name") ?? ""
        guard given.count <= 1024 else {
            throw HubError(.invalidField, "parameter 'name' must have at most 1024 characters")
        }
        let name = AttachmentName.sanitize(given)
        let key = try RequestBody.idempotencyKey(request)
        let limit = Int64(settings.attachmentMaxFile)
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit {
            throw Self.overLimit(length, limit: limit)
        }
        // Refused before a byte is stored: a requester's internal file, a closed ticket, a full one.
        let probe = AttachmentAdd(
            ticket: id, name: name, mediaType: "application/octet-stream", size: 0,
            sha256: String(repeating: "0", count: 64),
            visibility: visibility)
        do {
            try limits.admitWrite(.attach(probe), by: principal, in: ledger.snapshot.state)
            _ = try ledger.snapshot.state.decide(.attach(probe), by: principal, at: clock(), settings: settings)
        } catch let error as DomainError {
            throw HubError(error)
        } catch let error as PrincipalLimits.Refusal {
            throw error.error
        }

        let upload = try await BlobUpload(id: UUID().uuidString, store: store, limit: limit, at: clock())
        var head: [UInt8] = []
        do {
            for try await buffer in request.body {
                let bytes = buffer.readableBytesView
                if head.count < Self.sniffLength { head += bytes.prefix(Self.sniffLength - head.count) }
                try await upload.write(bytes)
            }
        } catch BlobUploadError.tooLarge {
            await upload.discard()
            throw HubError(.tooLarge, "the file is over the limit of \(limit) bytes per file")
        } catch {
            // The body was cut off, or the store failed: nothing was attached, nothing is kept.
            await upload.discard()
            throw error
        }
        let (blob, _) = try await upload.finish(at: clock())
        // Scanned once stored, before anything is decided: a finding attaches nothing (the stored bytes
        // are named by no event and go with the sweep).
        if let scanner { try await scanner.check(blob, name: name, ticket: id, by: principal.id) }
        let add = AttachmentAdd(
            ticket: id, name: name, mediaType: sniffer.mediaType(of: head).essence, size: blob.size,
            sha256: blob.sha256, visibility: visibility)
        let ack = try await ledger.submit(.attach(add), by: principal, id: key).get()
        guard let attachmentID = ack.attachment, let (attachment, _) = ledger.snapshot.state.attachment(attachmentID)
        else {
            throw HubError(.internal, "the file was attached but cannot be read back")
        }
        return EditedResponse(
            status: .created, headers: [.location: "/v1/attachments/\(attachment.id)"],
            response: AttachedFile(attachment: attachment, seq: ack.seq ?? 0))
    }

    static func overLimit(_ size: Int64, limit: Int64) -> HubError {
        HubError(
            .tooLarge, "the file has \(size) bytes, \(size - limit) over the limit of \(limit) bytes per file")
    }
}

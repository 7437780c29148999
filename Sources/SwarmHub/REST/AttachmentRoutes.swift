import HTTPTypes
import Hummingbird
import NIOCore
import SwarmCore
import SwarmFiles
import SwarmProtocol
import SwarmStore

/// `GET /v1/attachments/{id}`: a file's bytes, streamed out of the store a chunk at a time (the upload is
/// ``AttachmentUploadRoutes``). Who may read an attachment is who may read its ticket, and of an internal
/// one, staff only (invariant 6): anyone else gets the same 404 as for an id that does not exist.
struct AttachmentRoutes {
    let ledger: Ledger
    let store: any EventStore

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(":id", use: download)
        routes.allow([.get], at: ":id")
        return routes
    }

    /// `GET /v1/attachments/{id}`: the bytes, streamed; raster images inline, everything else as a
    /// download, never sniffed again by the browser.
    @Sendable func download(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        let state = ledger.snapshot.state
        guard let (attachment, ticket) = state.attachment(id), Policy.canRead(principal, ticket),
            Policy.view(of: attachment, for: Audience(principal)) != nil
        else {
            throw HubError(.notFound, "no attachment \(id)")
        }
        guard let blob = try await store.blobInfo(attachment.sha256) else {
            throw HubError(.internal, "the bytes of \(id) are missing from the store (swarmd check)")
        }
        let mediaType = MediaType(attachment.mediaType) ?? .octetStream
        let inline = mediaType.mayBeShownInline
        var headers = HTTPFields()
        headers[.contentType] = inline ? mediaType.essence : "application/octet-stream"
        headers[.contentLength] = String(blob.size)
        headers[.contentDisposition] = ContentDisposition.value(
            inline ? .inline : .attachment, filename: attachment.name)
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.eTag] = "\"\(attachment.sha256)\""
        headers[.cacheControl] = "private, max-age=0, must-revalidate"
        let store = self.store
        let body = ResponseBody { writer in
            for index in 0..<blob.chunks {
                guard let chunk = try await store.blobChunk(blob.sha256, index: index) else {
                    throw HubError(.internal, "chunk \(index) of \(id)'s bytes is missing from the store")
                }
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

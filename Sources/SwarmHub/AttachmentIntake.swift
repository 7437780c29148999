import Foundation
import NIOCore
import SwarmFiles
import SwarmProtocol
import SwarmStore

/// Bytes on their way to becoming an attachment: stored in the store a chunk at a time while they are
/// hashed (``BlobUpload``), scanned by clamd when the hub has one (``AttachmentScanner``), their media type
/// sniffed from their first bytes (``MediaSniffer``) — all before the `.attach` command is decided, so that
/// no event ever names bytes that are not stored (docs/attachments.md). The ledger then decides the
/// attachment itself: the ticket not closed, the per-ticket limit, who may attach what.
///
/// One intake serves every way a file comes in: an upload's body, a stream of `ByteBuffer`s (`take` with
/// the stream, or ``begin()`` and an ``Upload`` written by a loop that reads more than the file, a form's
/// fields say); a mail's part, already in memory as bytes (`take` with the bytes). Refusals are ``HubError``s, as the upload route answers
/// them: `too_large` over the per-file limit, `infected` with the signature's name, `unavailable` when
/// clamd cannot be reached within `--clamd-wait`. Any other error (the body cut off, the store failing) is
/// thrown as it came. Stored bytes that are then refused are named by no event and go with the hourly
/// sweep (``BlobSweep``).
struct AttachmentIntake: Sendable {
    let store: any EventStore
    /// The most bytes one file may have (`--attachment-max-file`).
    let maxFileSize: Int64
    /// The virus scanner every file goes through once stored, when the hub has one (`--clamd`).
    let scanner: AttachmentScanner?
    let sniffer: MediaSniffer
    let clock: HubClock

    /// How many leading bytes the media type is sniffed from.
    static let sniffLength = 65_536

    /// A file stored, scanned and sniffed: all its `.attach` needs besides the ticket, its name and its
    /// visibility.
    struct StoredFile: Sendable, Hashable {
        /// The stored bytes: their SHA-256, size and chunks.
        var blob: BlobInfo
        /// The media type libmagic finds in the bytes, never the one the sender claimed.
        var mediaType: MediaType

        /// The command's payload: this file onto `ticket` as `name` (made safe by the caller), `visibility`
        /// as given (nil: the author's default).
        func attachment(to ticket: String, name: String, visibility: CommentVisibility?) -> AttachmentAdd {
            AttachmentAdd(
                ticket: ticket, name: name, mediaType: mediaType.essence, size: blob.size, sha256: blob.sha256,
                visibility: visibility)
        }
    }

    /// One file on its way in, written a buffer at a time by the one task that owns it (not `Sendable`,
    /// as the ``BlobUpload`` below it). Once a write has thrown, the upload is discarded; a caller that stops
    /// for a reason of its own (the request's body broke off) calls ``discard()``.
    final class Upload {
        private let intake: AttachmentIntake
        private let blob: BlobUpload
        private var head: [UInt8] = []

        fileprivate init(intake: AttachmentIntake, blob: BlobUpload) {
            self.intake = intake
            self.blob = blob
        }

        /// Takes the next bytes.
        ///
        /// - Throws: `too_large` once more than the per-file limit came; the store's error.
        func write(_ bytes: some Collection<UInt8>) async throws {
            if head.count < AttachmentIntake.sniffLength {
                head += bytes.prefix(AttachmentIntake.sniffLength - head.count)
            }
            do {
                try await blob.write(bytes)
            } catch BlobUploadError.tooLarge {
                await blob.discard()
                throw HubError(.tooLarge, "the file is over the limit of \(intake.maxFileSize) bytes per file")
            } catch {
                await blob.discard()
                throw error
            }
        }

        /// Takes the next buffer's readable bytes.
        func write(_ buffer: ByteBuffer) async throws {
            try await write(buffer.readableBytesView)
        }

        /// Stores what was written as its blob, scans it (when the hub has a scanner) and sniffs its type.
        ///
        /// `name`, `ticket` and `author` are for the scanner's log lines only.
        /// - Throws: `infected`, `unavailable` or `too_large` from the scanner; the store's error.
        func finish(name: String, ticket: String, by author: String) async throws -> StoredFile {
            let (info, _) = try await blob.finish(at: intake.clock())
            // Scanned once stored, before anything is decided: a finding attaches nothing.
            if let scanner = intake.scanner { try await scanner.check(info, name: name, ticket: ticket, by: author) }
            return StoredFile(blob: info, mediaType: intake.sniffer.mediaType(of: head))
        }

        /// Drops what was staged.
        func discard() async {
            await blob.discard()
        }
    }

    /// Starts a file.
    func begin() async throws -> Upload {
        Upload(
            intake: self,
            blob: try await BlobUpload(id: UUID().uuidString, store: store, limit: maxFileSize, at: clock()))
    }

    /// A file streamed as buffers (an upload's body): stored, scanned, sniffed. A stream that throws
    /// stores nothing and its error is thrown.
    func take<Chunks: AsyncSequence>(_ chunks: Chunks, name: String, ticket: String, by author: String)
        async throws -> StoredFile where Chunks.Element == ByteBuffer
    {
        let upload = try await begin()
        do {
            for try await buffer in chunks { try await upload.write(buffer) }
        } catch {
            // Over the limit, the stream broke off, or the store failed: nothing was attached, nothing is
            // kept (a write that threw has discarded already; a second discard finds nothing).
            await upload.discard()
            throw error
        }
        return try await upload.finish(name: name, ticket: ticket, by: author)
    }

    /// A file held in memory (a mail's part): refused before a byte is stored when it is over the limit,
    /// else stored in chunks, scanned and sniffed.
    func take(_ bytes: [UInt8], name: String, ticket: String, by author: String) async throws -> StoredFile {
        guard Int64(bytes.count) <= maxFileSize else { throw Self.overLimit(Int64(bytes.count), limit: maxFileSize) }
        let upload = try await begin()
        var rest = bytes[...]
        repeat {
            // A store chunk at a time (256 KiB), so nothing is copied whole.
            let chunk = rest.prefix(262_144)
            try await upload.write(chunk)
            rest = rest.dropFirst(chunk.count)
        } while !rest.isEmpty
        return try await upload.finish(name: name, ticket: ticket, by: author)
    }

    /// The refusal of a file whose size is known to be over the limit: by how much, and the limit.
    static func overLimit(_ size: Int64, limit: Int64) -> HubError {
        HubError(.tooLarge, "the file has \(size) bytes, \(size - limit) over the limit of \(limit) bytes per file")
    }
}

import Logging
import NIOCore
import SwarmFiles
import SwarmProtocol
import SwarmStore

/// Every upload through ClamAV's clamd before it is attached (`--clamd`): the stored bytes streamed to
/// it a chunk at a time. A finding refuses the upload with the signature's name (`infected`) and is
/// logged; a clamd that cannot be reached is asked again every second for up to `wait`
/// (`--clamd-wait`), then the upload is refused (`unavailable`). A file is never attached unscanned.
struct AttachmentScanner: Sendable {
    let client: ClamdClient
    let store: any EventStore
    let wait: Duration
    let logger: Logger

    init(address: ClamdAddress, store: any EventStore, wait: Duration, logger: Logger) {
        self.client = ClamdClient(address: address)
        self.store = store
        self.wait = wait
        self.logger = logger
    }

    /// Returns when `blob` is clean; throws the refusal otherwise.
    func check(_ blob: BlobInfo, name: String, ticket: String, by author: String) async throws(HubError) {
        let deadline = ContinuousClock.now + wait
        while true {
            do {
                switch try await client.scan(BlobChunks(store: store, blob: blob)) {
                case .clean:
                    return
                case .found(let signature):
                    logger.warning(
                        "file refused: malware found",
                        metadata: [
                            "swarm.ticket.id": "\(ticket)", "swarm.agent": "\(author)", "swarm.file": "\(name)",
                            "swarm.signature": "\(signature)", "swarm.sha256": "\(blob.sha256)",
                        ])
                    throw HubError(.infected, "the file carries \(signature) (ClamAV); it was not attached")
                }
            } catch let error as HubError {
                throw error
            } catch let error as ClamdError {
                switch error.code {
                case .unreachable, .connectionLost, .timeout:
                    guard ContinuousClock.now + .seconds(1) < deadline else {
                        logger.error(
                            "file refused: the virus scanner cannot be reached",
                            metadata: ["clamd": "\(client.address)", "error": "\(error)"])
                        throw HubError(
                            .unavailable,
                            "the virus scanner cannot be reached (\(error.message)); the file was not attached: try again later"
                        )
                    }
                    try? await Task.sleep(for: .seconds(1))
                case .sizeLimitExceeded:
                    throw HubError(
                        .tooLarge,
                        "the virus scanner takes smaller files than this one (its StreamMaxLength); it was not attached"
                    )
                case .invalidAddress, .scanFailed, .protocolError, .inputFailed, .cancelled:
                    logger.error("file refused: the virus scan failed", metadata: ["error": "\(error)"])
                    throw HubError(
                        .unavailable,
                        "the virus scan failed (\(error.message)); the file was not attached: try again later")
                }
            } catch {
                throw HubError(.unavailable, "the virus scan failed (\(error)); the file was not attached")
            }
        }
    }
}

/// A stored blob's chunks, read from the store one at a time as clamd takes them.
struct BlobChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let store: any EventStore
    let blob: BlobInfo

    struct AsyncIterator: AsyncIteratorProtocol {
        let store: any EventStore
        let blob: BlobInfo
        var index = 0

        mutating func next() async throws -> ByteBuffer? {
            guard index < blob.chunks else { return nil }
            defer { index += 1 }
            guard let chunk = try await store.blobChunk(blob.sha256, index: index) else {
                throw HubError(.internal, "chunk \(index) of blob \(blob.sha256) is missing from the store")
            }
            return ByteBuffer(bytes: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(store: store, blob: blob) }
}

package import NIOCore
import NIOPosix
import Synchronization

/// A client of clamd, ClamAV's scanning daemon: streams bytes to it with `INSTREAM` and returns its verdict;
/// `PING` for a health check. One connection per call, as clamd expects of `z` commands without a session.
///
/// The bytes come as an `AsyncSequence` of chunks and go out as they come, so a 25 MB upload is never in
/// memory whole: the next chunk is not taken from the sequence while the channel's write buffer is above its
/// high-water mark (NIO's default, 64 KiB), that is until clamd has read enough of the ones before.
///
/// ```swift
/// let clamd = ClamdClient(address: try ClamdAddress(parsing: "unix:/run/clamav/clamd.ctl"))
/// switch try await clamd.scan(request.body) {
/// case .clean: …
/// case .found(let signature): …
/// }
/// ```
package struct ClamdClient: Sendable {
    /// Where clamd listens.
    package let address: ClamdAddress
    /// The longest clamd may keep the client waiting at any one step: to take the next bytes, or to answer
    /// once the stream has ended (its scan). Waiting for the caller's next chunk does not count: a slow
    /// upload is the caller's to bound.
    package let timeout: Duration
    /// The longest a connection may take to open.
    package let connectTimeout: Duration
    private let eventLoopGroup: any EventLoopGroup

    /// The largest chunk sent: a chunk's length must fit clamd's 32-bit field; larger chunks of the caller's
    /// are sent as slices of this size (no copy).
    package static let maximumChunkLength = 1 << 20

    /// A client of the clamd at `address`, on `eventLoopGroup` (NIO's shared one by default).
    package init(
        address: ClamdAddress, timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.address = address
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.eventLoopGroup = eventLoopGroup
    }

    /// Asks clamd whether it is there (`PING`); returns when it answered `PONG`.
    package func ping() async throws(ClamdError) {
        let reply = try await exchange { connection in
            try await connection.send([ByteBuffer(bytes: ClamdWire.ping)])
            return try await connection.reply(afterWriteError: nil)
        }
        try ClamdWire.checkPong(reply)
    }

    /// Streams `chunks` to clamd and returns its verdict once it has scanned them all.
    ///
    /// Empty chunks are skipped (a chunk of length zero would end the stream). Throws ``ClamdError``:
    /// ``ClamdError/Code/sizeLimitExceeded`` as soon as clamd says the stream is longer than its
    /// `StreamMaxLength` (the rest of `chunks` is not read), ``ClamdError/Code/inputFailed`` when `chunks`
    /// throws, and the others as their codes say.
    package func scan<Chunks: AsyncSequence>(_ chunks: Chunks) async throws(ClamdError) -> ScanVerdict
    where Chunks.Element == ByteBuffer {
        let reply = try await exchange { connection in
            try await connection.send([ByteBuffer(bytes: ClamdWire.instream)])
            // A write fails when clamd has closed the connection: after it answered early (the size limit), or
            // because it went away. Either way its answer, if any, is still to be read (NIO reads what is
            // there before it closes a channel whose write failed), so the failure is kept, not thrown.
            var writeError: (any Error)? = nil
            do {
                chunks: for try await chunk in chunks {
                    var chunk = chunk
                    while chunk.readableBytes > 0 {
                        let piece = chunk.readSlice(length: min(chunk.readableBytes, Self.maximumChunkLength))!
                        do {
                            try await connection.send([ClamdWire.chunkHeader(length: piece.readableBytes), piece])
                        } catch {
                            writeError = error
                            break chunks
                        }
                    }
                }
            } catch {
                throw ClamdError(.inputFailed, "the bytes to scan broke off: \(error)", cause: error)
            }
            if writeError == nil {
                do { try await connection.send([ByteBuffer(bytes: ClamdWire.end)]) } catch { writeError = error }
            }
            return try await connection.reply(afterWriteError: writeError)
        }
        return try ClamdWire.verdict(fromReply: reply)
    }

    /// Scans the readable bytes of `buffer`, sent in chunks that share its storage.
    package func scan(_ buffer: ByteBuffer) async throws(ClamdError) -> ScanVerdict {
        try await scan(BufferChunks(buffer: buffer, length: 64 * 1024))
    }

    /// Connects, runs `body` on the connection, and closes it; maps every failure to a ``ClamdError``.
    private func exchange(
        _ body: (inout Connection) async throws -> String
    ) async throws(ClamdError) -> String {
        let channel = try await connect()
        let watchdog = Watchdog()
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var connection = Connection(
                    channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound,
                    timeout: timeout, watchdog: watchdog, address: address)
                return try await body(&connection)
            }
        } catch {
            throw settle(error, watchdog: watchdog)
        }
    }

    /// What a failure inside an exchange is: a timeout when the watchdog closed the connection, a cancellation
    /// when the task was cancelled, else the error itself (a lost connection when it is not a ``ClamdError``).
    private func settle(_ error: any Error, watchdog: Watchdog) -> ClamdError {
        if watchdog.hasFired {
            return ClamdError(
                .timeout, "clamd at \(address) did not take the bytes or answer within \(timeout)", cause: error)
        }
        if Task.isCancelled {
            return ClamdError(.cancelled, "cancelled before clamd at \(address) answered", cause: error)
        }
        if let error = error as? ClamdError { return error }
        return ClamdError(.connectionLost, "the connection to clamd at \(address) broke: \(error)", cause: error)
    }

    private func connect() async throws(ClamdError) -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let bootstrap = ClientBootstrap(group: eventLoopGroup).connectTimeout(TimeAmount(connectTimeout))
        @Sendable func wrap(_ channel: any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> {
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        do {
            switch address {
            case .unix(let path):
                return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: wrap)
            case .tcp(let host, let port):
                return try await bootstrap.connect(host: host, port: port, channelInitializer: wrap)
            }
        } catch {
            if Task.isCancelled {
                throw ClamdError(.cancelled, "cancelled while connecting to clamd at \(address)", cause: error)
            }
            throw ClamdError(.unreachable, "clamd at \(address) is unreachable: \(error)", cause: error)
        }
    }
}

/// One open connection to clamd: its writer, its reader, and the timeout on each wait for clamd.
private struct Connection {
    let channel: any Channel
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let timeout: Duration
    let watchdog: Watchdog
    let address: ClamdAddress

    /// Writes and flushes `buffers`; waits (at most `timeout`) while clamd is not reading.
    func send(_ buffers: [ByteBuffer]) async throws {
        try await guarded { try await outbound.write(contentsOf: buffers) }
    }

    /// Reads clamd's one reply, waiting at most `timeout` for each part of it. A connection closed before the
    /// reply ended is ``ClamdError/Code/connectionLost``, with `writeError` (why the stream could not be
    /// sent whole) as its cause.
    mutating func reply(afterWriteError writeError: (any Error)?) async throws -> String {
        var reader = ClamdWire.ReplyReader()
        while true {
            let buffer: ByteBuffer?
            do {
                buffer = try await guarded { try await inbound.next() }
            } catch {
                throw ClamdError(
                    .connectionLost, "the connection to clamd at \(address) broke before it answered: \(error)",
                    cause: writeError ?? error)
            }
            guard let buffer else {
                let partial = reader.partial
                throw ClamdError(
                    .connectionLost,
                    partial.isEmpty
                        ? "clamd at \(address) closed the connection without an answer"
                        : "clamd at \(address) closed the connection in the middle of its answer '\(partial)'",
                    cause: writeError)
            }
            if let reply = try reader.append(buffer) { return reply }
        }
    }

    /// Runs `body`, closing the connection if it takes longer than `timeout`: whatever `body` waits on then
    /// fails, and the watchdog says why.
    private func guarded<Result>(_ body: () async throws -> Result) async throws -> Result {
        let channel = self.channel
        let watchdog = self.watchdog
        let alarm = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            watchdog.fire()
            channel.close(promise: nil)
        }
        defer { alarm.cancel() }
        return try await body()
    }
}

/// Whether a connection's timeout has fired.
private final class Watchdog: Sendable {
    private let fired = Atomic<Bool>(false)

    var hasFired: Bool { fired.load(ordering: .acquiring) }

    func fire() { fired.store(true, ordering: .releasing) }
}

/// A buffer as an `AsyncSequence` of slices of at most `length` bytes, sharing its storage.
private struct BufferChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    var buffer: ByteBuffer
    var length: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer
        var length: Int

        mutating func next() async -> ByteBuffer? {
            guard buffer.readableBytes > 0 else { return nil }
            return buffer.readSlice(length: Swift.min(length, buffer.readableBytes))
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer, length: length) }
}

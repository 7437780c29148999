import Foundation
import NIOCore
import NIOPosix

/// A stand-in for clamd on a Unix socket, for what a real one will not do on demand: never read, never
/// answer, answer nonsense, or hang up at once.
enum FakeClamd {
    enum Behaviour: Sendable {
        /// Accepts and then reads nothing and says nothing: a clamd that hangs.
        case silent
        /// Answers `bytes` to the first bytes it reads, then reads on.
        case answer([UInt8])
        /// Closes each connection as soon as it is accepted.
        case hangUp
    }

    /// Listens as `behaviour` on a new socket, runs `body` with its `unix:` address, and stops.
    static func with<T>(_ behaviour: Behaviour, _ body: (String) async throws -> T) async throws -> T {
        let path = "/tmp/swarm-fake-clamd-\(UUID().uuidString.prefix(8)).sock"
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(
                ChannelOptions.autoRead, value: { if case .silent = behaviour { false } else { true } }()
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FakeClamdHandler(behaviour: behaviour))
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        do {
            let result = try await body("unix:" + path)
            try? await server.close().get()
            try? FileManager.default.removeItem(atPath: path)
            return result
        } catch {
            try? await server.close().get()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }
}

private final class FakeClamdHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behaviour: FakeClamd.Behaviour
    var answered = false

    init(behaviour: FakeClamd.Behaviour) { self.behaviour = behaviour }

    func channelActive(context: ChannelHandlerContext) {
        if case .hangUp = behaviour { context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .answer(let bytes) = behaviour, !answered else { return }
        answered = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
    }
}

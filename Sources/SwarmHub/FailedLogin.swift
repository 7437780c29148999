import Logging
import NIOCore

/// Logs a refused token at `notice` with where it came from, so an operator can see guessing
/// (docs/operations.md, "what the hub logs"). The token itself is never logged.
///
/// - Parameter logger: a connection's logger (with its `swarm.connection.id`) when a connection's
///   `hello` failed; the hub's otherwise.
func logFailedLogin(_ logger: Logger, remote: SocketAddress?, path: String) {
    logger.notice(
        "login failed: unknown or revoked token",
        metadata: ["swarm.remote": "\(remote?.description ?? "unknown")", "swarm.path": "\(path)"])
}

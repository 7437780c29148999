import Logging
import NIOCore

/// Logs a refused token at `notice` with where it came from, so an operator can see guessing
/// (docs/operations.md, "what the hub logs"). The token itself is never logged.
func logFailedLogin(_ services: HubServices, remote: SocketAddress?, path: String) {
    services.logger.notice(
        "login failed: unknown or revoked token",
        metadata: ["swarm.remote": "\(remote?.description ?? "unknown")", "swarm.path": "\(path)"])
}

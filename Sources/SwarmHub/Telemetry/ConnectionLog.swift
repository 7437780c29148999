import Logging
import Synchronization

/// A connection's logger as its session last set it (`swarm.connection.id`, then `swarm.agent`),
/// for the code that logs about the connection from outside the session: the close writer.
final class ConnectionLog: Sendable {
    private let current: Mutex<Logger>

    init(_ logger: Logger) {
        current = Mutex(logger)
    }

    /// The connection's logger, with the metadata its session has set so far.
    var logger: Logger {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

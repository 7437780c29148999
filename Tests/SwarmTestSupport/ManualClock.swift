public import SwarmHub
public import SwarmProtocol
import Synchronization

/// A clock that moves only when a test moves it, for timers (invitation timeouts, backlog).
public final class ManualClock: Sendable {
    private let now: Mutex<Timestamp>

    public init(_ start: Timestamp = Timestamp(milliseconds: 1_800_000_000_000)) {
        now = Mutex(start)
    }

    /// The current time.
    public var time: Timestamp { now.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(milliseconds: Int64) {
        now.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }

    /// The clock as the hub takes it.
    public var hubClock: HubClock { { [self] in self.time } }
}

extension TestClient {
    /// Reads frames until an event matching `predicate` arrives (other frames are dropped).
    public func event(
        timeout: Duration = .seconds(10), where predicate: (EventFrame) -> Bool = { _ in true }
    ) async throws -> EventFrame {
        while true {
            if case .event(let event) = try await next(timeout: timeout), predicate(event) { return event }
        }
    }
}

public import SwarmProtocol

/// Everything the hub knows, rebuilt by applying the log from the start (invariant 4).
public struct SwarmState: Sendable, Hashable {
    /// Tickets by id.
    public var tickets: [String: Ticket] = [:]
    /// The number of tickets opened so far; the next ticket is `T-(ticketCount + 1)`.
    public var ticketCount = 0

    public init() {}

    /// Applies events in order to an empty state.
    public static func replaying(_ events: some Sequence<SwarmEvent>) -> SwarmState {
        var state = SwarmState()
        for event in events { state.apply(event) }
        return state
    }
}

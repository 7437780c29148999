public import Logging
public import SwarmStore

/// What request handlers and sessions share: the store, the ledger, fan-out, timers, presence and
/// configuration.
public struct HubServices: Sendable {
    public let store: EventStore
    public let ledger: Ledger
    public let fanOut: FanOut
    public let timers: Timers
    let presence: PresenceTracker
    public let configuration: HubConfiguration
    public let clock: HubClock
    public let logger: Logger

    /// Opens the hub's services on a store: replays the log into a new ledger.
    public init(
        store: EventStore, configuration: HubConfiguration, clock: @escaping HubClock = systemClock, logger: Logger
    )
        throws
    {
        let fanOut = FanOut()
        self.store = store
        self.fanOut = fanOut
        self.ledger = try Ledger(
            store: store, fanOut: fanOut, configuration: configuration, clock: clock, logger: logger)
        self.timers = Timers(ledger: ledger, clock: clock, configuration: configuration)
        self.presence = PresenceTracker(ledger: ledger, grace: configuration.presenceGrace)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        presence.start(with: ledger.snapshot.state)
    }
}

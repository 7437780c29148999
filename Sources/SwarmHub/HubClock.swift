import Foundation
public import SwarmProtocol

/// The hub's clock: injected so tests and the simulator control time.
public typealias HubClock = @Sendable () -> Timestamp

/// The wall clock.
public let systemClock: HubClock = { Timestamp(Date()) }

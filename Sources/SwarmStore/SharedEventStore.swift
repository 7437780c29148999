/// An event store that several hub nodes share (PostgreSQL): besides the log, it tells a node when
/// another one appended, and elects the one node whose timers fire.
///
/// A node that shares its store must catch up (read the events after its last applied `seq`) before
/// it decides, and treat ``StoreError/Code/sequenceMismatch`` from ``EventStore/append(_:)`` as "the
/// log moved under you": catch up and decide again. ``StoreError/Code/duplicateCommand`` means a
/// command id of the batch was already committed (by any node): load its ack and decide again.
public protocol SharedEventStore: EventStore {
    /// Follows the log until the task is cancelled: calls `advanced` with the log's high `seq` each
    /// time another node announces one, and after every (re)connect of its listener, so a node that
    /// missed announcements while disconnected catches up. Never returns before cancellation;
    /// connection failures are retried.
    func followLog(_ advanced: @escaping @Sendable (Int64) -> Void) async throws

    /// Competes for the timer lease until the task is cancelled: calls `changed(true)` when this
    /// node holds it (it alone fires timers) and `changed(false)` when it lost it. The lease is held
    /// by a database session, so it passes to another node when this one dies.
    func holdTimerLease(_ changed: @escaping @Sendable (Bool) -> Void) async throws
}

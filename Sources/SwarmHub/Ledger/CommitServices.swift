import Logging
import ServiceLifecycle
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmStore

/// Suggests knowledge-base articles to tickets that just opened: fed by committed batches, it
/// searches the store off the writer and submits the hub's own `suggestArticles` command, whose
/// `kb.suggested` event records the matches (so a replay never searches). A search can never
/// delay a ticket's ack, and the writer never waits on a search.
final class KnowledgeSuggestions: Service, Sendable {
    private let store: any EventStore
    private let ledger: Ledger
    private let limit: Int
    private let logger: Logger
    private let opened: AsyncStream<Ticket>
    private let openedContinuation: AsyncStream<Ticket>.Continuation

    init(store: any EventStore, ledger: Ledger, limit: Int, logger: Logger) {
        self.store = store
        self.ledger = ledger
        self.limit = limit
        self.logger = logger
        (opened, openedContinuation) = AsyncStream.makeStream(of: Ticket.self)
        guard limit > 0 else { return }
        let continuation = openedContinuation
        ledger.observeCommits { events, _ in
            for stored in events {
                if case .ticketOpened(let ticket) = stored.event.payload { continuation.yield(ticket) }
            }
        }
    }

    func run() async throws {
        for await ticket in opened.cancelOnGracefulShutdown() {
            do {
                let matches = try await store.searchArticles(ticket.title + " " + ticket.description, limit: limit)
                guard !matches.isEmpty else { continue }
                ledger.submit(.suggestArticles(ticket: ticket.id, matches: matches), by: .system, id: nil) { _ in }
            } catch {
                logger.warning(
                    "knowledge-base search failed", metadata: ["error": "\(error)", "swarm.ticket": "\(ticket.id)"])
            }
        }
    }
}

/// Forgets stored command ids older than the idempotency window, once at start and then every hour.
final class CommandPruning: Service, Sendable {
    private let store: any EventStore
    private let clock: HubClock
    private let window: Int64
    private let logger: Logger

    init(store: any EventStore, clock: @escaping HubClock, configuration: HubConfiguration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.window = configuration.idempotencyMillis
        self.logger = logger
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await store.pruneCommands(before: clock().adding(milliseconds: -window))
                logger.debug("pruned command ids", metadata: ["swarm.pruned": "\(removed)"])
            } catch {
                logger.warning("could not prune command ids", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

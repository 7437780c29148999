import Foundation
public import SwarmProtocol

/// The work list on the whole terminal, kept current (`swarm tickets --live`): read again shortly
/// after the live feed says a ticket changed, and every 30 s; left with `q`, Esc or Ctrl-C.
///
/// The decisions are ``LiveList``'s; this does what it asks: reads the list, follows the channels,
/// sleeps until the instants it names, and draws (``LiveLayout``, ``LiveScreen``) on a
/// ``LiveTerminal``.
public struct LiveWorkList: Sendable {
    /// The hub and token.
    public var credentials: Credentials
    /// The filters and order.
    public var query: TicketQuery
    /// How many tickets to read at most; `nil` for every one.
    public var limit: Int?
    /// The command the header starts with (`swarm tickets --open --sort priority`).
    public var title: String
    /// Colours for the header and the "… N more" line.
    public var style: Style
    /// When to read again.
    public var refresh: LiveRefresh
    /// The list as `swarm tickets` prints it at a time: the column headings (`nil` for none) and one
    /// line per ticket.
    public var render: @Sendable (WorkListSnapshot, Timestamp) -> (columns: String?, rows: [String])

    /// A live list of `query`, read up to `limit` tickets at a time.
    public init(
        credentials: Credentials, query: TicketQuery, limit: Int?, title: String, style: Style,
        refresh: LiveRefresh = LiveRefresh(),
        render: @escaping @Sendable (WorkListSnapshot, Timestamp) -> (columns: String?, rows: [String])
    ) {
        self.credentials = credentials
        self.query = query
        self.limit = limit
        self.title = title
        self.style = style
        self.refresh = refresh
        self.render = render
    }

    /// Reads the list, then shows it on the terminal until the user leaves, and restores the
    /// terminal.
    ///
    /// - Throws: ``ClientError``: `usage` when standard input or output is not a terminal; what the
    ///   first read throws, before the screen changes (a hub that cannot be reached, a filter it
    ///   refuses); later, what ends the live feed or a read for another reason than a lost connection
    ///   (a revoked token), once the terminal is restored.
    public func run() async throws {
        guard let terminal = LiveTerminal() else {
            throw ClientError.usage("--live needs a terminal: standard input and output must both be one")
        }
        let rest = RestClient(credentials)
        let first = try await read(rest)
        try await terminal.session { keys, resizes in
            try await show(first, on: terminal, rest: rest, keys: keys, resizes: resizes)
        }
    }

    private func read(_ rest: RestClient) async throws(ClientError) -> WorkListSnapshot {
        let (tickets, total, deadlines) = try await rest.tickets(query, limit: limit)
        return WorkListSnapshot(tickets: tickets, total: total, deadlines: deadlines, at: Timestamp(Date()))
    }

    /// Everything the view waits for, in one stream read by one loop.
    private enum Input: Sendable {
        case feed(Watcher.Update)
        case feedEnded(any Error)
        case listed(WorkListSnapshot)
        case readFailed(ClientError)
        case discovered([String])
        case keys([UInt8])
        case keysEnded
        case resized
        case alarm
    }

    private func show(
        _ first: WorkListSnapshot, on terminal: LiveTerminal, rest: RestClient, keys: AsyncStream<[UInt8]>,
        resizes: AsyncStream<Void>
    ) async throws {
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        defer { input.finish() }
        let extra = ExtraChannels()
        let watcher = Watcher(credentials: credentials, extra: extra)
        // The network's work runs in tasks of its own, cancelled when the view ends but not awaited:
        // a connection attempt notices cancellation only at its timeout (10 s), and `q` leaves at once.
        let feed = Task {
            do {
                try await watcher.run { input.yield(.feed($0)) }
            } catch {
                input.yield(.feedEnded(error))
            }
        }
        var reading: Task<Void, Never>?
        var discovering: Task<Void, Never>?
        defer {
            feed.cancel()
            reading?.cancel()
            discovering?.cancel()
        }
        var list = LiveList(query: query, first: first, refresh: refresh, now: .now)
        var screen = LiveScreen()
        func draw() {
            let (columns, rows) = render(list.list, Timestamp(Date()))
            let size = terminal.size
            let lines = LiveLayout.fit(
                header: list.header(title: title, width: size.columns, style: style), columns: columns, rows: rows,
                beyond: max(0, list.list.total - list.list.tickets.count), size: size, style: style)
            if let bytes = screen.draw(lines, size: size) { terminal.write(bytes) }
        }
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await bytes in keys { input.yield(.keys(bytes)) }
                input.yield(.keysEnded)
            }
            group.addTask {
                for await _ in resizes { input.yield(.resized) }
            }
            var actions = list.start(at: .now)
            var items = inputs.makeAsyncIterator()
            while true {
                for action in actions {
                    switch action {
                    case .read:
                        reading = Task {
                            do throws(ClientError) {
                                input.yield(.listed(try await read(rest)))
                            } catch {
                                input.yield(.readFailed(error))
                            }
                        }
                    case .discover:
                        let open = TicketQuery.openTickets
                        discovering = Task {
                            // Best effort: without it the queues are still learnt from the tickets
                            // listed and opened, and the periodic read covers the rest.
                            guard let page = try? await rest.ticketPage(open, limit: 500) else { return }
                            input.yield(.discovered(Array(Set(page.tickets.map(\.queue))).sorted()))
                        }
                    case .follow(let channels): extra.add(channels)
                    case .wake(let instant):
                        group.addTask {
                            try? await Task.sleep(until: instant, clock: .continuous)
                            input.yield(.alarm)
                        }
                    case .redraw: draw()
                    case .repaint:
                        screen.invalidate()
                        draw()
                    case .quit:
                        group.cancelAll()
                        return
                    }
                }
                guard let item = await items.next() else { return }
                let now = ContinuousClock.now
                switch item {
                case .feed(let update): actions = list.feed(update, at: now)
                case .feedEnded(let error):
                    failure = error
                    actions = [.quit]
                case .listed(let snapshot): actions = list.listed(snapshot, at: now)
                case .readFailed(let error) where error.status == .connection:
                    actions = list.readFailed(error.message, at: now)
                case .readFailed(let error):
                    failure = error
                    actions = [.quit]
                case .discovered(let queues): actions = list.discovered(queues: queues)
                case .keys(let bytes): actions = list.keys(bytes, at: now)
                case .keysEnded: actions = [.quit]
                case .resized: actions = [.redraw]
                case .alarm: actions = list.alarm(at: now)
                }
            }
        }
        if let failure { throw failure }
    }
}

extension TicketQuery {
    /// Every open ticket, newest first: where the live list learns which queues there are.
    static var openTickets: TicketQuery {
        var query = TicketQuery()
        query.openOnly = true
        return query
    }
}

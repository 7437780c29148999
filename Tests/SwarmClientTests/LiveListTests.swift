import Foundation
import SwarmProtocol
import Testing

@testable import SwarmClient

/// The live work list's decisions without a terminal or a hub: when to read, what to follow, what
/// fits on the screen, what to write, which keys leave.
@Suite("the live work list: refresh, channels, layout, screen, keys")
struct LiveListTests {
    static let start = ContinuousClock.now
    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }
    static let readAt = Timestamp(milliseconds: 1_800_000_000_000)

    static func ticket(_ number: Int, queue: String = "general") -> Ticket {
        Ticket(
            id: "T-\(number)", title: "Ticket \(number)", description: "", requester: "rita", category: .network,
            urgency: .high, impact: .medium, queue: queue, skills: [], openedAt: readAt)
    }

    static func snapshot(_ tickets: [Ticket], total: Int? = nil) -> WorkListSnapshot {
        WorkListSnapshot(tickets: tickets, total: total ?? tickets.count, deadlines: [:], at: readAt)
    }

    static func welcome(_ agent: String, _ role: Role) -> Welcome {
        Welcome(id: "hello", agent: agent, role: role, server: "swarmd", seq: 10, epoch: nil)
    }

    static func frame(_ seq: Int64, _ payload: EventPayload, ticket: String? = "T-1") -> EventFrame {
        EventFrame(
            seq: seq, channel: "dispatch",
            event: SwarmEvent(ticket: ticket, actor: "alice", at: readAt, payload: payload))
    }

    static func started(_ welcome: Welcome) -> Watcher.Update {
        .started(welcome, channels: Watcher.defaultChannels(for: welcome), after: 10, liveAfter: 10)
    }

    /// Whether the actions follow any channel.
    static func follows(_ actions: [LiveList.Action]) -> Bool {
        actions.contains { action in
            if case .follow = action { return true }
            return false
        }
    }

    // MARK: Refresh

    @Test("a burst of changes is one read 300 ms after the first; a change during a read asks for one more after it")
    func debounce() {
        var refresh = LiveRefresh()
        refresh.finished(at: Self.at(0))
        #expect(refresh.poll(at: Self.at(0)) == (false, Self.at(30_000)), "the periodic read is the first wake-up")
        refresh.changed(at: Self.at(1000))
        #expect(refresh.poll(at: Self.at(1000)) == (false, Self.at(1300)))
        for offset in [1050, 1100, 1250] {
            refresh.changed(at: Self.at(offset))
            #expect(refresh.poll(at: Self.at(offset)) == (false, nil), "the wake-up at 1300 stands")
        }
        #expect(refresh.poll(at: Self.at(1299)).read == false)
        #expect(refresh.poll(at: Self.at(1300)) == (true, nil), "one read for the four changes")
        #expect(refresh.reading)
        refresh.changed(at: Self.at(1400))
        #expect(refresh.poll(at: Self.at(1400)) == (false, nil), "never two reads at a time")
        refresh.finished(at: Self.at(1800))
        #expect(refresh.poll(at: Self.at(1800)) == (true, nil), "the change at 1400 was due at 1700: read now")
        refresh.finished(at: Self.at(2000))
        #expect(refresh.poll(at: Self.at(2000)) == (false, Self.at(32_000)), "then the period, from the last read")
        #expect(refresh.poll(at: Self.at(32_000)) == (true, nil))
    }

    @Test("'r' and a reconnect read at once, unless a read is under way")
    func soon() {
        var refresh = LiveRefresh()
        refresh.finished(at: Self.at(0))
        _ = refresh.poll(at: Self.at(0))
        refresh.soon(at: Self.at(5000))
        #expect(refresh.poll(at: Self.at(5000)) == (true, nil))
        refresh.soon(at: Self.at(5100))
        #expect(refresh.poll(at: Self.at(5100)) == (false, nil))
        refresh.finished(at: Self.at(5200))
        #expect(refresh.poll(at: Self.at(5200)).read)
    }

    // MARK: Channels

    @Test(
        "staff listing any queue follow dispatch and the queues they learn; a requester, --queue and --mine need no more"
    )
    func channels() {
        let first = Self.snapshot([Self.ticket(1), Self.ticket(2, queue: "network")])
        var list = LiveList(query: TicketQuery(), first: first, now: Self.at(0))
        let actions = list.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(100))
        #expect(
            actions.contains(.follow(["dispatch", "queue:network"])), "queue:general is the feed's own: \(actions)")
        #expect(actions.contains(.discover))
        #expect(list.discovered(queues: ["general", "network", "printers"]) == [.follow(["queue:printers"])])
        // A ticket opened in a queue not seen before: its queue is followed from now on.
        let opened = Self.ticket(3, queue: "hr")
        let new = list.feed(.event(Self.frame(11, .ticketOpened(opened), ticket: "T-3")), at: Self.at(200))
        #expect(new.first == .follow(["queue:hr"]))
        #expect(
            !Self.follows(list.listed(Self.snapshot([Self.ticket(4, queue: "hr")]), at: Self.at(300))), "hr is known")

        var rita = LiveList(query: TicketQuery(), first: first, now: Self.at(0))
        let ritas = rita.feed(Self.started(Self.welcome("rita", .requester)), at: Self.at(100))
        #expect(!Self.follows(ritas), "agent:rita carries her tickets")
        #expect(!rita.followsQueues)

        var network = TicketQuery()
        network.queue = "network"
        var queued = LiveList(query: network, first: first, now: Self.at(0))
        let queueds = queued.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(100))
        #expect(queueds.contains(.follow(["queue:network"])) && !queueds.contains(.discover))

        network.queue = "no such queue"
        var nowhere = LiveList(query: network, first: Self.snapshot([]), now: Self.at(0))
        let nowheres = nowhere.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(100))
        #expect(!Self.follows(nowheres), "no channel has that name, and no ticket that queue")

        var mine = TicketQuery()
        mine.member = "alice"
        var own = LiveList(query: mine, first: first, now: Self.at(0))
        let owns = own.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(100))
        #expect(!Self.follows(owns), "agent:alice carries them")
    }

    @Test("no more than 90 channels are followed, however many queues there are")
    func channelLimit() {
        var list = LiveList(query: TicketQuery(), first: Self.snapshot([]), now: Self.at(0))
        _ = list.feed(Self.started(Self.welcome("alice", .lead)), at: Self.at(0))
        _ = list.discovered(queues: (0..<200).map { "q\($0)" })
        #expect(list.followed.count == LiveList.channelLimit)
    }

    // MARK: The feed

    @Test("events about a ticket read the list after the quiet time; about an agent alone they do not")
    func eventsRead() {
        var list = LiveList(query: TicketQuery(), first: Self.snapshot([Self.ticket(1)]), now: Self.at(0))
        _ = list.start(at: Self.at(0))
        _ = list.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(0))
        #expect(list.alarm(at: Self.at(300)).contains(.read), "what changed while subscribing")
        _ = list.listed(Self.snapshot([Self.ticket(1)]), at: Self.at(400))
        let presence = Self.frame(12, .presenceChanged(agent: "bob", status: .busy, auto: false), ticket: nil)
        #expect(list.feed(.event(presence), at: Self.at(500)).isEmpty)
        let comment = Self.frame(13, .commentAdded(Comment(number: 1, author: "bob", body: "hi", at: Self.readAt)))
        #expect(list.feed(.event(comment), at: Self.at(600)) == [.wake(at: Self.at(900))])
        #expect(list.alarm(at: Self.at(900)) == [.read])
    }

    @Test("a lost connection shows in the header until the reconnect, which reads the list at once")
    func lostAndBack() {
        var list = LiveList(query: TicketQuery(), first: Self.snapshot([Self.ticket(1)]), now: Self.at(0))
        _ = list.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(0))
        let utc = TimeZone(identifier: "UTC")!
        let plain = Style(enabled: false)
        #expect(
            list.header(title: "swarm tickets --open --sort priority", style: plain, timeZone: utc)
                == "swarm tickets --open --sort priority   1 ticket, updated 08:00:00   q quits, r reads again")
        #expect(list.feed(.lost(reason: "connection refused"), at: Self.at(100)) == [.redraw])
        #expect(
            list.header(title: "swarm tickets", style: plain, timeZone: utc)
                == "swarm tickets   connection lost: connection refused; reconnecting… (updated 08:00:00)"
                + "   q quits, r reads again")
        let back = list.feed(.reconnected(after: 12), at: Self.at(5000))
        #expect(back.first == .redraw && back.contains(.read))
        #expect(list.link == .live)
        _ = list.readFailed("cannot reach the hub", at: Self.at(5100))
        #expect(
            list.header(title: "swarm tickets", style: plain, timeZone: utc).contains(
                "cannot read the list: cannot reach the hub; retrying (updated 08:00:00)"))
    }

    @Test("a narrow header drops the keys, then cuts the command, and keeps the state")
    func narrowHeader() {
        var list = LiveList(
            query: TicketQuery(), first: Self.snapshot([Self.ticket(1), Self.ticket(2)]), now: Self.at(0))
        _ = list.feed(Self.started(Self.welcome("alice", .agent)), at: Self.at(0))
        let utc = TimeZone(identifier: "UTC")!
        let plain = Style(enabled: false)
        let title = "swarm tickets --open --sort priority"
        func header(_ width: Int) -> String { list.header(title: title, width: width, style: plain, timeZone: utc) }
        #expect(header(200) == title + "   2 tickets, updated 08:00:00   q quits, r reads again")
        #expect(header(70) == title + "   2 tickets, updated 08:00:00")
        #expect(header(50) == "swarm tickets --ope…   2 tickets, updated 08:00:00")
        #expect(header(30) == "2 tickets, updated 08:00:00")
        #expect(header(20) == "2 tickets, updated 0")
        for width in [20, 30, 50, 70] { #expect(TerminalColumns.width(of: header(width)) <= width) }
        let red = list.header(title: title, width: 50, style: Style(enabled: true), timeZone: utc)
        #expect(red.hasPrefix("\u{1B}[1mswarm tickets --ope…\u{1B}[0m"), "the title stays bold: \(red)")
    }

    @Test("q, Esc, Ctrl-C and Ctrl-D leave; arrows do not; r reads; Ctrl-L repaints")
    func keys() {
        #expect(LiveKey.decode(Array("q".utf8)) == [.quit])
        #expect(LiveKey.decode([0x1B]) == [.quit], "Esc alone")
        #expect(LiveKey.decode([0x03]) == [.quit])
        #expect(LiveKey.decode([0x04]) == [.quit])
        #expect(LiveKey.decode([0x1B, 0x1B]) == [.quit, .quit], "Esc twice")
        #expect(LiveKey.decode([0x1B, 0x5B, 0x41]).isEmpty, "the up arrow")
        #expect(LiveKey.decode([0x1B, 0x5B, 0x31, 0x35, 0x7E, 0x72]) == [.refresh], "F5, then r")
        #expect(LiveKey.decode([0x1B, 0x4F, 0x50]).isEmpty, "F1 (SS3)")
        #expect(LiveKey.decode([0x1B, 0x71]).isEmpty, "Alt-q is not q")
        #expect(LiveKey.decode([0x0C]) == [.repaint])
        #expect(LiveKey.decode(Array("x".utf8)).isEmpty)
        var list = LiveList(query: TicketQuery(), first: Self.snapshot([]), now: Self.at(0))
        #expect(list.keys(Array("rq".utf8), at: Self.at(10)) == [.quit], "q leaves whatever came before it")
    }

    // MARK: Layout and screen

    @Test("rows that do not fit are counted in '… N more', with the tickets not read; every line is cut to the width")
    func layout() {
        let rows = (1...5).map { "T-\($0)  P1  new" }
        let all = LiveLayout.fit(
            header: "head", columns: "ID", rows: rows, size: TerminalSize(columns: 80, rows: 10))
        #expect(all == ["head", "ID"] + rows)
        let beyond = LiveLayout.fit(
            header: "head", columns: "ID", rows: rows, beyond: 20, size: TerminalSize(columns: 80, rows: 10))
        #expect(beyond == ["head", "ID"] + rows + ["… 20 more"])
        let cut = LiveLayout.fit(
            header: "head", columns: "ID", rows: rows, beyond: 20, size: TerminalSize(columns: 80, rows: 5))
        #expect(cut == ["head", "ID", "T-1  P1  new", "T-2  P1  new", "… 23 more"])
        #expect(
            LiveLayout.fit(header: "head", columns: "ID", rows: rows, size: TerminalSize(columns: 80, rows: 2))
                == ["head", "… 5 more"], "no headings above no row")
        #expect(
            LiveLayout.fit(header: "head", columns: "ID", rows: rows, size: TerminalSize(columns: 80, rows: 1)) == [
                "head"
            ])
        #expect(
            LiveLayout.fit(header: "head", columns: "ID", rows: rows, size: TerminalSize(columns: 80, rows: 0)).isEmpty)
        #expect(
            LiveLayout.fit(header: "a long header", columns: "ID", rows: rows, size: TerminalSize(columns: 6, rows: 4))
                == ["a long", "ID", "T-1  P", "… 4 mo"])
    }

    @Test("text is cut by columns: colours take none and are closed, wide characters take two")
    func columns() {
        let style = Style(enabled: true)
        let red = style.paint("P1", .red) + "  new"
        #expect(TerminalColumns.width(of: red) == 7)
        #expect(TerminalColumns.cut(red, to: 3) == style.paint("P1", .red) + " " + "\u{1B}[0m")
        #expect(TerminalColumns.cut("plain text", to: 5) == "plain")
        #expect(TerminalColumns.cut("plain", to: 9) == "plain")
        #expect(TerminalColumns.width(of: "Drucker Ärger") == 13)
        #expect(TerminalColumns.width(of: "e\u{301}") == 1, "a combining accent")
        #expect(TerminalColumns.width(of: "打印机") == 6)
        #expect(TerminalColumns.cut("打印机", to: 5) == "打印", "a wide character does not go half on")
        #expect(TerminalColumns.width(of: "🔔 x") == 4)
    }

    @Test("the screen writes every row first, then only the rows that changed, and every row after a resize")
    func screen() throws {
        var screen = LiveScreen()
        let size = TerminalSize(columns: 40, rows: 4)
        let drawn = screen.draw(["head", "ID", "T-1"], size: size)
        let first = try #require(drawn)
        #expect(first == "\u{1B}[1;1H\u{1B}[2Khead\u{1B}[2;1H\u{1B}[2KID\u{1B}[3;1H\u{1B}[2KT-1\u{1B}[4;1H\u{1B}[2K")
        #expect(screen.draw(["head", "ID", "T-1"], size: size) == nil, "nothing changed, nothing written")
        #expect(screen.draw(["head", "ID", "T-2"], size: size) == "\u{1B}[3;1H\u{1B}[2KT-2")
        #expect(screen.draw(["head", "ID"], size: size) == "\u{1B}[3;1H\u{1B}[2K", "a row gone is cleared")
        let redrawn = screen.draw(["head", "ID"], size: TerminalSize(columns: 30, rows: 3))
        let resized = try #require(redrawn)
        #expect(resized == "\u{1B}[1;1H\u{1B}[2Khead\u{1B}[2;1H\u{1B}[2KID\u{1B}[3;1H\u{1B}[2K")
        screen.invalidate()
        #expect(screen.draw(["head", "ID"], size: TerminalSize(columns: 30, rows: 3)) == resized)
    }

    @Test("channels added to a watcher reach the connection listening, each once, and the next connection's list")
    func extraChannels() async {
        let extra = ExtraChannels()
        #expect(extra.add(["dispatch", "queue:a", "dispatch"]) == ["dispatch", "queue:a"])
        let (now, later) = extra.listen()
        #expect(now == ["dispatch", "queue:a"])
        #expect(extra.add(["queue:a", "queue:b"]) == ["queue:b"])
        #expect(extra.add(["queue:b"]).isEmpty)
        var iterator = later.makeAsyncIterator()
        #expect(await iterator.next() == ["queue:b"])
        #expect(extra.listen().now == ["dispatch", "queue:a", "queue:b"])
    }
}

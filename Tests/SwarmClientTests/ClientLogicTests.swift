import Foundation
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmClient

@Suite("client logic: frames, profiles, feed position, formatting, console editing")
struct ClientLogicTests {
    @Test("every client frame swarm encodes is read back by the protocol's own decoder")
    func framesRoundTrip() throws {
        let messages: [ClientMessage] = [
            .hello(Hello(token: "swm_x", client: "swarm/0.1.0")),
            .subscribe(ChannelRequest(channels: ["ticket:T-1", "agent:alice"], since: 7)),
            .subscribe(ChannelRequest(channels: ["queue:general"])),
            .command(
                .ticketOpen(
                    TicketOpen(
                        title: "VPN", description: "", category: .network, urgency: .high, impact: .low,
                        skills: ["network.vpn"], queue: "network"))),
            .command(.swarmJoin(TicketRef(ticket: "T-1"))), .command(.swarmLeave(TicketRef(ticket: "T-1"))),
            .command(.commentAdd(CommentAdd(ticket: "T-1", body: "a \"quoted\"\nline"))),
            .command(.ownerAdd(OwnerChange(ticket: "T-1", agent: "bob"))),
            .command(.ownerRemove(OwnerChange(ticket: "T-1", agent: "bob"))),
            .command(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "done"))),
        ]
        for (index, message) in messages.enumerated() {
            let text = try SwarmJSON.string(ClientFrame(id: "c\(index)", message: message))
            #expect(
                try ClientFrame.decode(Data(text.utf8)) == ClientFrame(id: "c\(index)", message: message), "\(text)")
        }
        #expect(
            try SwarmJSON.string(ClientFrame(id: "c1", message: .command(.swarmJoin(TicketRef(ticket: "T-1")))))
                == #"{"id":"c1","ticket":"T-1","type":"swarm.join"}"#)
    }

    @Test("the feed position drops events at or before it and resumes after the last one shown")
    func feedPosition() {
        var position = FeedPosition(after: 10)
        let accepted = [9, 10, 11, 14, 12, 15].filter { position.accept($0) }
        #expect(accepted == [11, 14, 15], "at or before the position, including a late 12, is dropped")
        #expect(position.seq == 15)
    }

    @Test("backoff doubles from 250 ms up to 5 s and starts over after a success")
    func backoff() {
        var backoff = Backoff()
        let delays = (0..<8).map { _ in backoff.next() }
        #expect(
            delays == [
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5),
                .seconds(5),
            ])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(250))
    }

    @Test("hub addresses in the forms people type")
    func serverAddresses() {
        #expect(ServerAddress("localhost:9000")?.webSocketURL == "ws://localhost:9000/v1/ws")
        #expect(ServerAddress("http://127.0.0.1:8080")?.description == "http://127.0.0.1:8080")
        #expect(ServerAddress("ws://hub:81/v1/ws")?.description == "http://hub:81")
        #expect(ServerAddress("https://hub.example")?.webSocketURL == "wss://hub.example:443/v1/ws")
        #expect(ServerAddress("hub")?.port == 8080)
        #expect(ServerAddress("ftp://hub") == nil)
        #expect(ServerAddress("hub:99999") == nil)
        #expect(ServerAddress("") == nil)
    }

    @Test("profiles: saved 0600 atomically, chosen by name, overridden by SWARM_SERVER and SWARM_TOKEN")
    func profiles() throws {
        let store = ProfileStore(environment: ["XDG_CONFIG_HOME": try temporaryDirectory().path])
        #expect(throws: ClientError.self) { try store.credentials(profile: nil, environment: [:]) }
        var file = try store.load()
        file.profiles["default"] = Profile(server: "http://a:1", token: "swm_a")
        file.profiles["staging"] = Profile(server: "http://b:2", token: "swm_b")
        file.current = "staging"
        try store.save(file)
        let mode = try FileManager.default.attributesOfItem(atPath: store.url.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try store.load() == file)
        #expect(try store.credentials(profile: nil, environment: [:]).token == "swm_b")
        #expect(try store.credentials(profile: "default", environment: [:]).server.port == 1)
        #expect(try store.credentials(profile: nil, environment: ["SWARM_PROFILE": "default"]).token == "swm_a")
        let overridden = try store.credentials(
            profile: nil, environment: ["SWARM_SERVER": "c:3", "SWARM_TOKEN": "swm_c"])
        #expect(overridden.server.description == "http://c:3")
        #expect(overridden.token == "swm_c")
        let error = #expect(throws: ClientError.self) { try store.credentials(profile: "prod", environment: [:]) }
        #expect(error?.status == .auth)
    }

    /// The time zone the tests render times in, whatever the machine's is.
    let utc = TimeZone(identifier: "UTC")!

    @Test("relative times")
    func relativeTimes() {
        let now = Timestamp(milliseconds: 1_000_000_000_000)
        func ago(_ seconds: Int64) -> String {
            RelativeTime.describe(now.adding(milliseconds: -seconds * 1000), now: now)
        }
        #expect(ago(0) == "just now")
        #expect(ago(-3) == "just now")
        #expect(ago(2) == "2s ago")
        #expect(ago(125) == "2m ago")
        #expect(ago(3 * 3600 + 5) == "3h ago")
        #expect(ago(2 * 86_400) == "2d ago")
        #expect(ago(30 * 86_400) == "2001-08-10")
    }

    @Test("clock times: the time today, the day and time this year, the date before; in the user's time zone")
    func clockTimes() throws {
        // 2001-09-09 01:46:40 UTC.
        let at = Timestamp(milliseconds: 1_000_000_000_000)
        let hour: Int64 = 3_600_000
        #expect(ClockTime.describe(at, now: at, timeZone: utc) == "01:46")
        #expect(ClockTime.describe(at, now: at.adding(milliseconds: 22 * hour), timeZone: utc) == "01:46")
        #expect(ClockTime.describe(at, now: at.adding(milliseconds: 23 * hour), timeZone: utc) == "Sep 9 01:46")
        #expect(ClockTime.describe(at, now: at.adding(milliseconds: 120 * 24 * hour), timeZone: utc) == "2001-09-09")
        // Before the day of `now` even when it was only minutes ago: Berlin is two hours ahead in summer.
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(ClockTime.describe(at, now: at, timeZone: berlin) == "03:46")
        let evening = at.adding(milliseconds: -4 * hour)  // 21:46 UTC on the 8th, 23:46 in Berlin
        #expect(ClockTime.describe(evening, now: at, timeZone: berlin) == "Sep 8 23:46")
        // A feed line keeps its time: an hour later it still says when, not "just now".
        let comment = SwarmEvent(
            ticket: "T-1", actor: "bob", at: at,
            payload: .commentAdded(Comment(number: 1, author: "bob", body: "MTU?", at: at)))
        let later = EventLine.render(
            seq: 3, event: comment, now: at.adding(milliseconds: hour), style: Style(enabled: false), timeZone: utc)
        #expect(later == #"T-1    01:46        comment.added   bob: "MTU?"  #3"#)
    }

    @Test("event lines: ticket first, then time, type and what happened; colour only when asked")
    func eventLines() {
        let at = Timestamp(milliseconds: 1_000_000_000_000)
        let comment = SwarmEvent(
            ticket: "T-42", actor: "alice", at: at,
            payload: .commentAdded(Comment(number: 1, author: "alice", body: "Logs show\nrenegotiation", at: at)))
        let plain = EventLine.render(
            seq: 45, event: comment, now: at.adding(milliseconds: 2000), style: Style(enabled: false), timeZone: utc)
        #expect(plain == #"T-42   01:46        comment.added   alice: "Logs show ⏎ renegotiation"  #45"#)
        let coloured = EventLine.render(seq: 45, event: comment, now: at, style: Style(enabled: true))
        #expect(coloured.hasPrefix("\u{1B}[1mT-42  \u{1B}[0m"))
        let resolved = SwarmEvent(
            ticket: "T-42", actor: "bob", at: at,
            payload: .statusChanged(from: .inProgress, to: .resolved, resolution: "MTU"))
        #expect(EventLine.summary(resolved) == #"bob: in_progress → resolved "MTU""#)
        #expect(
            EventLine.summary(SwarmEvent(ticket: "T-1", actor: "alice", at: at, payload: .ownerAdded(agent: "bob")))
                == "alice made bob an owner")
    }

    @Test("event lines for experts: invitations with their reasons, answers, help, backlog, skills, presence")
    func expertEventLines() {
        let at = Timestamp(milliseconds: 1_000_000_000_000)
        func line(_ actor: String, _ ticket: String?, _ payload: EventPayload) -> String {
            EventLine.render(
                seq: 7, event: SwarmEvent(ticket: ticket, actor: actor, at: at, payload: payload), now: at,
                style: Style(enabled: false), timeZone: utc)
        }
        let reasons = [
            ScoreReason(
                factor: "skill", tag: "network.dns", points: 100, text: "network.dns level 5, exact match: +100")
        ]
        let expires = at.adding(milliseconds: 600_000)
        #expect(
            line(
                "swarmd", "T-7",
                .expertInvited(agent: "dana", score: 100, origin: .opened, expires: expires, reasons: reasons))
                == "T-7    01:46        expert.invited  invited dana (score 100: network.dns level 5, exact match)  #7")
        let two = reasons + [ScoreReason(factor: "presence", points: -15, text: "busy: -15")]
        #expect(
            EventLine.summary(
                SwarmEvent(
                    ticket: "T-7", actor: "alice", at: at,
                    payload: .expertInvited(agent: "dana", score: 85, origin: .help, expires: expires, reasons: two)))
                == "alice invited dana to help (score 85: network.dns level 5, exact match; busy)")
        #expect(EventLine.reason("no skill matching network.dns") == "no skill matching network.dns")
        #expect(
            line("dana", "T-7", .inviteAnswered(agent: "dana", accept: true, expired: false))
                == "T-7    01:46        invite.answered dana accepted the invitation  #7")
        #expect(
            EventLine.summary(
                SwarmEvent(
                    ticket: "T-7", actor: "swarmd", at: at,
                    payload: .inviteAnswered(agent: "nick", accept: false, expired: true)))
                == "nick's invitation expired unanswered")
        #expect(
            EventLine.summary(
                SwarmEvent(
                    ticket: "T-7", actor: "dana", at: at,
                    payload: .helpRequested(agent: "dana", skills: ["windows.ad"], note: "need AD")))
                == #"dana asks for help: windows.ad "need AD""#)
        #expect(
            line("swarmd", "T-7", .ticketStalled(since: at.adding(milliseconds: -4 * 3_600_000)))
                == "T-7    01:46        ticket.stalled  stalled: no progress for 4h, now on the backlog  #7")
        #expect(
            line("dana", nil, .skillsChanged(agent: "dana", skills: ["network.dns": 5, "linux": 3]))
                == "-      01:46        skills.changed  dana's skills: linux=3 network.dns=5  #7")
        #expect(
            EventLine.summary(
                SwarmEvent(ticket: nil, actor: "lena", at: at, payload: .skillsChanged(agent: "nick", skills: [:])))
                == "lena set nick's skills: none")
        #expect(
            line("swarmd", nil, .presenceChanged(agent: "dana", status: .available, auto: true))
                == "-      01:46        presence.changed dana is online, available  #7")
        #expect(
            EventLine.summary(
                SwarmEvent(
                    ticket: nil, actor: "dana", at: at,
                    payload: .presenceChanged(agent: "dana", status: .busy, auto: false)))
                == "dana is busy")
        #expect(
            EventLine.summary(
                SwarmEvent(
                    ticket: nil, actor: "swarmd", at: at,
                    payload: .presenceChanged(agent: "dana", status: .offline, auto: true)))
                == "dana is offline")
    }

    @Test("relative times ahead: when invitations expire")
    func relativeTimesAhead() {
        let now = Timestamp(milliseconds: 1_000_000_000_000)
        #expect(RelativeTime.until(now.adding(milliseconds: 540_500), now: now) == "in 9m")
        #expect(RelativeTime.until(now.adding(milliseconds: 30_000), now: now) == "in 30s")
        #expect(RelativeTime.until(now.adding(milliseconds: -5_000), now: now) == "due")
    }

    @Test("frames for experts go out with their fields")
    func expertFrames() throws {
        let messages: [ClientMessage] = [
            .command(.skillsSet(SkillsSet(skills: ["network.dns": 5], agent: "nick"))),
            .command(.skillsSet(SkillsSet(skills: [:]))),
            .command(.presenceSet(PresenceSet(status: .busy))),
            .command(.ticketInvite(TicketInvite(ticket: "T-1", agent: "dana"))),
            .command(.ticketInvite(TicketInvite(ticket: "T-1", count: 2))),
            .command(.inviteAnswer(InviteAnswer(ticket: "T-1", accept: false))),
            .command(.helpRequest(HelpRequest(ticket: "T-1", skills: ["linux"], note: "why"))),
            .ticketViewing(TicketRef(ticket: "T-1")), .ticketTyping(TicketRef(ticket: "T-1")),
        ]
        for (index, message) in messages.enumerated() {
            let text = try SwarmJSON.string(ClientFrame(id: "e\(index)", message: message))
            #expect(
                try ClientFrame.decode(Data(text.utf8)) == ClientFrame(id: "e\(index)", message: message), "\(text)")
        }
        #expect(
            try SwarmJSON.string(
                ClientFrame(id: "a", message: .command(.inviteAnswer(InviteAnswer(ticket: "T-1", accept: true)))))
                == #"{"accept":true,"id":"a","ticket":"T-1","type":"invite.answer"}"#)
    }

    @Test("tables align columns by the widest cell and leave the last column unpadded")
    func tables() {
        let table = Table(headers: ["ID", "TITLE"], rows: [["T-1", "VPN"], ["T-100", "Printer"]])
        #expect(table.render(style: Style(enabled: false)) == ["ID     TITLE", "T-1    VPN", "T-100  Printer"])
    }

    @Test("console lines split like a shell's")
    func shellWords() throws {
        #expect(
            try ShellWords.split(#"comment T-1 "it's the MTU" again"#) == ["comment", "T-1", "it's the MTU", "again"])
        #expect(try ShellWords.split(#"resolve T-1 'a "b"' c\ d"#) == ["resolve", "T-1", #"a "b""#, "c d"])
        #expect(try ShellWords.split("  ") == [])
        #expect(try ShellWords.split(#"x """#) == ["x", ""])
        #expect(throws: ClientError.self) { try ShellWords.split(#"comment "open"#) }
    }

    @Test("tab completes commands, subcommands and ticket ids")
    func completion() {
        let completer = Completer(
            commands: ["comment", "console", "join", "show"], subcommands: ["skills": ["list", "set"]],
            tickets: ["T-1", "T-12", "T-2"])
        #expect(completer.complete("jo").line == "join ")
        #expect(completer.complete("co").line == "co", "comment and console share only 'co'")
        #expect(completer.complete("co").candidates == ["comment", "console"])
        #expect(completer.complete("com").line == "comment ")
        #expect(completer.complete("show T-").candidates == ["T-1", "T-2", "T-12"])
        #expect(completer.complete("show T-2").line == "show T-2 ")
        #expect(completer.complete("show 12").line == "show T-12 ")
        #expect(completer.complete("show t-1").line == "show T-1", "T-1 and T-12 share T-1")
        #expect(completer.complete("skills s").line == "skills set ")
        #expect(completer.complete("show X").line == "show X")
    }

    @Test("the line editor: typing, erasing, history, and the keys that end a line")
    func lineEditor() {
        var editor = LineEditor()
        func type(_ text: String) -> [LineEditor.Action] { Array(text.utf8).map { editor.feed($0) } }
        _ = type("join T-1")
        #expect(editor.text == "join T-1")
        #expect(editor.feed(0x7F) == .redraw)
        #expect(editor.text == "join T-")
        _ = editor.feed(0x17)
        #expect(editor.text == "join ")
        _ = type("T-2")
        #expect(editor.feed(0x09) == .complete)
        #expect(editor.feed(0x0D) == .submit("join T-2"))
        #expect(editor.text.isEmpty)
        _ = type("ü")
        #expect(editor.text == "ü", "multi-byte characters arrive whole")
        #expect(editor.feed(0x03) == .cancel)
        #expect(editor.text.isEmpty)
        _ = type("\u{1B}[A")
        #expect(editor.text == "join T-2", "Up recalls the last line")
        _ = type("\u{1B}[B")
        #expect(editor.text.isEmpty)
        _ = type("\u{1B}[C")
        #expect(editor.text.isEmpty, "other escape sequences are swallowed whole")
        #expect(editor.feed(0x04) == .end)
    }
}

import Foundation
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmClient

/// What the terminal and notify-send are sent for a notice, and how the person's choice is kept.
@Suite("notices: the escape sequences, notify-send, the preferences")
struct TerminalNoticeTests {
    @Test("OSC 9 and OSC 777 with their text flattened; BEL last and bare; tmux and screen wrap the OSC")
    func escapeSequences() {
        let notice = Notice(
            kind: .answer, ticket: "T-42", seq: 9, title: "answer: T-42",
            body: "rita: \"line one\nline two; \u{1B}]0;owned\u{07}\"")
        let plain: [String: String] = ["TERM": "xterm-256color"]
        let osc9 = "\u{1B}]9;swarm: answer: T-42 — rita: \"line one line two; \u{FFFD}]0;owned\u{FFFD}\"\u{07}"
        #expect(TerminalNotice.sequences(for: notice, preferences: .standard, environment: plain) == osc9 + "\u{07}")
        // OSC 777: no ';' inside a field.
        var vte = NoticePreferences.standard
        vte.escape = .osc777
        let osc777 =
            "\u{1B}]777;notify;swarm: answer: T-42;rita: \"line one line two, \u{FFFD}]0,owned\u{FFFD}\"\u{07}"
        #expect(TerminalNotice.sequences(for: notice, preferences: vte, environment: plain) == osc777 + "\u{07}")
        // In tmux: ESC P tmux; with every ESC inside doubled, ESC \; the bell outside, for tmux itself.
        let tmux = ["TMUX": "/tmp/tmux-0/default,123,0", "TERM": "tmux-256color"]
        #expect(
            TerminalNotice.sequences(for: notice, preferences: .standard, environment: tmux)
                == "\u{1B}Ptmux;\u{1B}\u{1B}]9;swarm: answer: T-42 — rita: \"line one line two; \u{FFFD}]0;owned\u{FFFD}\"\u{07}\u{1B}\\\u{07}"
        )
        #expect(TerminalNotice.wrap("\u{1B}]9;x\u{07}", for: .screen) == "\u{1B}P\u{1B}]9;x\u{07}\u{1B}\\")
        #expect(TerminalNotice.Multiplexer(environment: ["STY": "123.pts-0.host"]) == .screen)
        #expect(TerminalNotice.Multiplexer(environment: ["STY": "1", "TMUX": "x"]) == .tmux)
        // What is chosen is what is sent.
        var quiet = NoticePreferences.standard
        quiet.desktop = false
        #expect(TerminalNotice.sequences(for: notice, preferences: quiet, environment: tmux) == "\u{07}")
        quiet.bell = false
        #expect(TerminalNotice.sequences(for: notice, preferences: quiet, environment: tmux) == "")
        // Not a terminal (a pipe, --json): nothing.
        #expect(
            NoticeDelivery(preferences: .standard, environment: plain, terminal: false).sequences(for: notice) == "")
        // Long text is cut.
        let long = TerminalNotice.osc9(String(repeating: "x", count: 500))
        #expect(long.count == "\u{1B}]9;swarm: ".count + TerminalNotice.textLimit + 1)
    }

    @Test("auto picks OSC 777 for VTE, urxvt and foot, OSC 9 for the rest")
    func autoEscape() {
        func pick(_ environment: [String: String]) -> DesktopEscape {
            TerminalNotice.escape(.auto, environment: environment)
        }
        #expect(pick(["VTE_VERSION": "7200", "TERM": "xterm-256color"]) == .osc777)
        #expect(pick(["TERM": "rxvt-unicode-256color"]) == .osc777)
        #expect(pick(["TERM": "foot"]) == .osc777)
        #expect(pick(["TERM_PROGRAM": "iTerm.app"]) == .osc9)
        #expect(pick(["TERM": "xterm-kitty"]) == .osc9)
        #expect(pick(["WT_SESSION": "x", "TERM": "xterm-256color"]) == .osc9)
        #expect(pick(["TERM": "tmux-256color", "TMUX": "x"]) == .osc9)
        #expect(TerminalNotice.escape(.osc777, environment: ["TERM_PROGRAM": "iTerm.app"]) == .osc777)
    }

    @Test("notify-send: only with a desktop session and the program on PATH; its arguments safe")
    func notifySend() throws {
        let folder = try temporaryDirectory()
        let program = folder.appendingPathComponent("notify-send")
        try Data("#!/bin/sh\n".utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        #expect(NotifySend(environment: ["PATH": folder.path]) == nil, "no display, no D-Bus session")
        #expect(NotifySend(environment: ["PATH": folder.path, "DISPLAY": ":0"])?.path == program.path)
        #expect(NotifySend(environment: ["PATH": "/nonexistent", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"]) == nil)
        let notice = Notice(kind: .answer, ticket: "T-1", seq: 1, title: "-answer: T-1", body: "rita: <b>&</b>")
        #expect(
            NotifySend.arguments(for: notice) == [
                "--app-name=swarm", "--", "swarm: -answer: T-1", "rita: &lt;b&gt;&amp;&lt;/b&gt;",
            ])
        var off = NoticePreferences.standard
        off.notifySend = false
        #expect(
            NoticeDelivery(preferences: off, environment: ["PATH": folder.path, "DISPLAY": ":0"], terminal: true)
                .notifySend == nil)
    }

    @Test("preferences: the standard choice, saved with the profile, read back by any version")
    func preferences() throws {
        #expect(NoticePreferences.standard.kinds == Set(Notice.Kind.allCases))
        #expect(NoticePreferences.standard.bell && NoticePreferences.standard.desktop)
        #expect(!NoticePreferences.standard.notifySend)
        let chosen = NoticePreferences(
            kinds: [.sla, .invite], bell: false, desktop: true, escape: .osc777, notifySend: true)
        let text = try SwarmJSON.string(chosen)
        #expect(text == #"{"bell":false,"desktop":true,"escape":"osc777","kinds":["invite","sla"],"notifySend":true}"#)
        #expect(try JSONDecoder().decode(NoticePreferences.self, from: Data(text.utf8)) == chosen)
        // An older file (no key) and a newer one (an unknown kind, an unknown escape) still read.
        #expect(try JSONDecoder().decode(NoticePreferences.self, from: Data("{}".utf8)) == .standard)
        let newer = #"{"kinds":["invite","mention"],"escape":"osc99","sound":true}"#
        let read = try JSONDecoder().decode(NoticePreferences.self, from: Data(newer.utf8))
        #expect(read.kinds == [.invite])
        #expect(read.escape == .auto)
        // A profile without the key (written before notices existed) reads as the standard choice.
        let store = ProfileStore(url: try temporaryDirectory().appendingPathComponent("profiles.json"))
        try Data(
            #"{"current":"default","profiles":{"default":{"server":"http://h:1","token":"t","agent":"bob"}}}"#.utf8
        )
        .write(to: store.url)
        let credentials = try store.credentials(profile: nil, environment: [:])
        #expect(try store.noticePreferences(for: credentials) == .standard)
        try store.update { file throws(ClientError) in file.profiles["default"]?.notify = chosen }
        #expect(try store.noticePreferences(for: credentials) == chosen)
        #expect(try store.load().profiles["default"]?.token == "t", "the rest of the profile kept")
        // Credentials from the environment alone have no profile: the standard choice.
        let fromEnvironment = try store.credentials(
            profile: nil, environment: ["SWARM_SERVER": "http://h:2", "SWARM_TOKEN": "x", "SWARM_PROFILE": "none"])
        #expect(try store.noticePreferences(for: fromEnvironment) == .standard)
    }
}

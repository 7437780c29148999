import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol
import Synchronization

/// Whether a command runs inside the console, where standard input belongs to the console.
enum ConsoleSession {
    @TaskLocal static var isActive = false
    /// The console's terminal, when it has one: a command that hands the terminal to another program
    /// (the editor of 'comment') holds the console's event lines meanwhile.
    @TaskLocal static var terminal: ConsoleTerminal?
}

/// `swarm console`: type commands while events scroll above the prompt.
struct ConsoleCommand: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "A console: type commands while events scroll above the prompt.",
        discussion: """
            Every swarm command works at the prompt without the word 'swarm' ('show T-42', 'join T-42', \
            'comment T-42 looks like DNS' for an internal note, 'comment --public T-42 on it' for a \
            reply the requester sees). Events of your agent channel and queue:general (as for \
            'swarm watch') appear above the prompt as they happen. Tab completes commands and ticket \
            ids; Up and Down walk the history; Ctrl-C drops the line; 'exit' or Ctrl-D leaves. \
            A bare 'swarm' in a terminal starts the console too. Notices (see 'swarm notify') print \
            above the prompt with a 🔔, ring the bell and raise a desktop notice. 'tickets --live' \
            fills the terminal with your work list, kept current, until q, Esc or Ctrl-C; the event \
            lines that come meanwhile wait, as while 'comment' has the editor open, and print above \
            the prompt when you are back.

            When standard input is not a terminal, the console reads one command per line and exits \
            with the status of the last command that failed (0 if none did), which makes it scriptable.

            Examples:
              swarm console
              printf 'tickets\\nshow T-1\\n' | swarm console
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard !ConsoleSession.isActive else { throw ClientError.usage("this is the console already") }
        try await Self.runConsole(global: global)
    }

    static let builtins = ["help", "exit", "quit"]

    static func runConsole(global: GlobalOptions) async throws {
        let credentials = try global.credentials()
        let terminal = ConsoleTerminal()
        let style = global.style
        let completer = Mutex(
            Completer(
                commands: (Swarm.configuration.subcommands.map { $0._commandName } + builtins)
                    .filter { $0 != "console" && !$0.isEmpty }.sorted(),
                subcommands: [
                    "skills": ["list", "set", "tags"], "invites": ["list", "accept", "decline"],
                    "presence": ["available", "busy", "away"], "kb": ["search", "show", "create", "apply"],
                ]))
        // Ticket ids for completion: the list now, and every ticket an event mentions later.
        if let tickets = try? await RestClient(credentials).tickets(limit: 500).tickets {
            completer.withLock { $0.tickets.formUnion(tickets.map(\.id)) }
        }
        let show: @Sendable (String) -> Void = { line in
            if let terminal { terminal.printAbove(line) } else { say(line) }
        }
        let handle: @Sendable (Watcher.Update) -> Void = { update in
            switch update {
            case .started(let welcome, let channels, _, _):
                show(
                    style.paint(
                        "console for \(welcome.agent) on \(credentials.server); events of "
                            + "\(channels.joined(separator: " ")); 'help' lists commands", .dim))
            case .event(let frame):
                if let ticket = frame.event.ticket { completer.withLock { _ = $0.tickets.insert(ticket) } }
                show(EventLine.render(seq: frame.seq, event: frame.event, now: now(), style: style))
            case .activity: break  // only ticket channels carry activity; the console follows none
            case .lost(let reason): show(style.paint("connection lost: \(reason); reconnecting…", .dim))
            case .reconnected(let after): show(style.paint("reconnected; resumed after seq \(after)", .dim))
            case .logReplaced(let after):
                show(
                    style.paint(
                        "reconnected to a hub whose log was restored from a backup: events shown before "
                            + "may be gone; following after seq \(after)", .dim))
            }
        }
        let preferences = (try? ProfileStore().noticePreferences(for: credentials)) ?? .standard
        let feed = Task {
            // The console follows the default channels, the person's own among them: its notices
            // come from the same feed.
            let watch = WatchFeed(shown: Watcher(credentials: credentials), me: nil)
            var notices = NoticeWatch(feed: watch, kinds: preferences.kinds, credentials: credentials)
            let delivery = NoticeDelivery(preferences: preferences, terminal: terminal != nil)
            do {
                try await watch.run { items in
                    for try await item in items {
                        if case .shown(let update) = item { handle(update) }
                        guard let notice = await notices.notice(for: item, now: now()) else { continue }
                        let line = style.paint(notice.line, .bold)
                        if let terminal {
                            terminal.alert(line, signal: delivery.sequences(for: notice))
                        } else {
                            say(line)
                        }
                        delivery.showOnDesktop(notice)
                    }
                }
            } catch let error as ClientError {
                show("error: \(error.code): \(error.message) (no live events in this console)")
            }
        }
        defer { feed.cancel() }
        var lastFailure: Int32 = 0
        if let terminal {
            defer { terminal.restore() }
            var editor = LineEditor()
            loop: while true {
                terminal.enterKeyMode()
                terminal.showPrompt(prompt(style), line: editor.text)
                var submitted: String?
                reading: while submitted == nil {
                    guard let keys = await terminal.readKeys() else { break loop }
                    for key in keys {
                        switch editor.feed(key) {
                        case .submit(let line):
                            submitted = line
                            break reading
                        case .complete:
                            let result = completer.withLock { $0.complete(editor.text) }
                            editor.replace(with: result.line)
                            if !result.candidates.isEmpty {
                                terminal.printAbove(result.candidates.joined(separator: "  "))
                            }
                            terminal.showPrompt(prompt(style), line: editor.text)
                        case .redraw: terminal.showPrompt(prompt(style), line: editor.text)
                        case .cancel:
                            terminal.leavePrompt(echo: "^C")
                            terminal.showPrompt(prompt(style), line: "")
                        case .end:
                            terminal.leavePrompt()
                            break loop
                        case .none: break
                        }
                    }
                }
                terminal.leavePrompt()
                terminal.restore()
                guard let line = submitted else { continue }
                switch await ConsoleSession.$terminal.withValue(terminal, operation: { await runLine(line) }) {
                case nil: break loop
                case let status?: if status != 0 { lastFailure = status }
                }
            }
        } else {
            while let line = readLine(strippingNewline: true) {
                guard let status = await runLine(line) else { break }
                if status != 0 { lastFailure = status }
            }
        }
        feed.cancel()
        if lastFailure != 0 && terminal == nil { throw ExitCode(lastFailure) }
    }

    /// What `help` prints in the console: its commands, one line each, and its keys — not the
    /// command line's help, whose options, environment and exit statuses mean nothing at the prompt.
    static func consoleHelp() -> String {
        let commands =
            Swarm.configuration.subcommands.filter { $0 != ConsoleCommand.self }
            .map { ($0._commandName, $0.configuration.abstract) }
            + [("help [COMMAND]", "This list, or a command's options and examples."), ("exit", "Leave the console.")]
        let width = commands.map(\.0.count).max() ?? 0
        return
            (["Commands (as for 'swarm', without the word 'swarm'):"]
            + commands.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
            + [
                "Tab completes commands and ticket ids; Up and Down walk the history; Ctrl-C drops the line;",
                "Ctrl-D leaves. 'COMMAND --help' shows a command's options and examples.",
            ]).joined(separator: "\n")
    }

    static func prompt(_ style: Style) -> String { style.paint("swarm", .bold) + "> " }

    /// Runs one typed line; `nil` when it asks to leave.
    static func runLine(_ line: String) async -> Int32? {
        let words: [String]
        do {
            words = try ShellWords.split(line)
        } catch {
            return SwarmMain.report(error, json: false)
        }
        guard let first = words.first else { return 0 }
        switch first {
        case "exit", "quit": return nil
        case "help", "?":
            guard words.count == 1 else {
                // 'help comment' is 'comment --help'.
                return await SwarmMain.execute(Array(words.dropFirst()) + ["--help"])
            }
            say(consoleHelp())
            return 0
        case "swarm" where words.count > 1:
            return await ConsoleSession.$isActive.withValue(true) { await SwarmMain.execute(Array(words.dropFirst())) }
        default:
            return await ConsoleSession.$isActive.withValue(true) { await SwarmMain.execute(words) }
        }
    }
}

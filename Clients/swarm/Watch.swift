import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm watch`: a live feed of events that survives hub restarts.
struct Watch: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Watch events live, one line each; survives hub restarts.",
        discussion: """
            Channels: T-42 (or ticket:T-42), queue:NAME, agent:ID, skill:TAG, skill:PREFIX.* (a tag and \
            every tag under it), dispatch (tickets nobody owns), backlog (stalled tickets), agents \
            (everyone's skill and presence changes; leads). Without channels: your own agent:ID channel \
            (tickets you requested or swarm, your invitations, your skill and presence changes) and, \
            unless you are a requester, queue:general. When every channel is a ticket, the feed starts \
            with the tickets' history; otherwise with what happens from now on. --since N replays \
            everything after seq N first.

            Each line: ticket id ('-' for agent events), how long ago, the event type (coloured), what \
            happened, and the seq. On a ticket channel, someone viewing the ticket or typing on it shows \
            as one dim line at the bottom, replaced by the next line — in a terminal only, never in a \
            pipe or with --json (it is not an event: no seq, not logged). \
            When the hub goes away, swarm says so, retries with backoff (at most 5 s apart), and when it \
            is back, prints 'reconnected; resumed after seq N' and continues exactly after the last event \
            shown — nothing missed, nothing twice. Ctrl-C stops. With --json, one event frame per line.

            Notices: what is for you (an invitation, a ticket given to you, an SLA warning on a ticket \
            you own, the requester's answer on a ticket you swarm) also prints a line starting with 🔔, \
            rings the bell and raises a desktop notice, as chosen with 'swarm notify'. Your own agent:ID \
            channel is followed for them even when you watch other channels.

            Examples:
              swarm watch
              swarm watch T-42
              swarm watch skill:network.* agent:dana
              swarm watch dispatch backlog
              swarm watch queue:network agent:bob --since 0
              swarm watch T-42 --json | jq -c .event
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: "Channels: T-42, ticket:T-42, queue:NAME, agent:ID, skill:TAG, skill:PREFIX.*, dispatch, backlog, agents."
    )
    var channels: [String] = []

    @Option(help: ArgumentHelp("Replay the events after this seq first (0: from the beginning).", valueName: "seq"))
    var since: Int64?

    func validate() throws {
        for channel in channels where Watch.channelName(channel) == nil {
            throw ValidationError(
                "'\(channel)' is not a channel; use T-42, ticket:T-42, queue:NAME, agent:ID, skill:TAG, skill:PREFIX.*,"
                    + " dispatch, backlog or agents")
        }
        if let since, since < 0 { throw ValidationError("--since must be 0 or more") }
    }

    /// `T-42` and `42` stand for `ticket:T-42`; full channel names pass through.
    static func channelName(_ text: String) -> String? {
        if Channel(text) != nil { return text }
        let id = ticketID(text)
        return id.hasPrefix("T-") && id.dropFirst(2).allSatisfy(\.isNumber) && id.count > 2 ? "ticket:\(id)" : nil
    }

    func run() async throws {
        let names = channels.compactMap(Watch.channelName)
        let allTickets = !names.isEmpty && names.allSatisfy { $0.hasPrefix("ticket:") }
        let credentials = try global.credentials()
        let watcher = Watcher(
            credentials: credentials, channels: names.isEmpty ? nil : names, since: since ?? (allTickets ? 0 : nil))
        // Named channels: who I am, so that my own channel is followed too, for my notices.
        let feed = WatchFeed(shown: watcher, me: names.isEmpty ? nil : try await whoAmI(credentials))
        let preferences = try ProfileStore().noticePreferences(for: credentials)
        let style = global.style
        let json = global.json
        let delivery = NoticeDelivery(preferences: preferences, terminal: outputIsTerminal && !json)
        var notices = NoticeWatch(feed: feed, kinds: preferences.kinds, credentials: credentials)
        // Activity (someone viewing or typing) is a transient line, only in a terminal: the next line
        // written replaces it.
        let transientAllowed = !json && outputIsTerminal
        var transient: String?
        func line(_ text: String) {
            if transient != nil {
                FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
                transient = nil
            }
            say(text)
        }
        func notice(_ text: String) {
            if json { complain(text) } else { line(style.paint(text, .dim)) }
        }
        func show(_ update: Watcher.Update) {
            switch update {
            case .started(let welcome, let channels, let after, _):
                let from = after > 0 || watcher.since != nil ? "after seq \(after)" : "from now"
                notice("watching \(channels.joined(separator: " ")) as \(welcome.agent), \(from); Ctrl-C stops")
            case .event(let frame):
                if json {
                    try? sayJSON(frame)
                } else {
                    line(EventLine.render(seq: frame.seq, event: frame.event, now: now(), style: style))
                }
            case .activity(let activity):
                guard transientAllowed else { break }
                let text = Watch.describe(activity)
                guard text != transient else { break }
                FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + style.paint(text, .dim)).utf8))
                transient = text
            case .lost(let reason):
                notice("connection lost: \(reason); reconnecting…")
            case .reconnected(let after):
                notice("reconnected; resumed after seq \(after)")
            case .logReplaced(let after):
                notice(
                    "reconnected to a hub whose log was restored from a backup: events shown before may be gone; "
                        + "watching after seq \(after)")
            }
        }
        try await feed.run { items in
            for try await item in items {
                if case .shown(let update) = item { show(update) }
                guard let found = await notices.notice(for: item, now: now()) else { continue }
                // The line keeps the notice on screen after the bell; with --json only notify-send tells.
                if !json { line(style.paint(found.line, .bold)) }
                let sequences = delivery.sequences(for: found)
                if !sequences.isEmpty { FileHandle.standardOutput.write(Data(sequences.utf8)) }
                delivery.showOnDesktop(found)
            }
        }
    }

    /// An activity notice in words: "T-42   bob is viewing (since 13:10:05)".
    static func describe(_ activity: Activity) -> String {
        let doing = activity.activity == .typing ? "is typing a comment" : "is viewing it"
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        let since = formatter.string(from: Date(timeIntervalSince1970: Double(activity.at.milliseconds) / 1000))
        return
            "\(activity.ticket.padding(toLength: 6, withPad: " ", startingAt: 0)) \(activity.agent) \(doing) (\(since))"
    }
}

public import ArgumentParser
import Foundation
public import SwarmClient
import SwarmProtocol

/// `swarm notify`: which notices reach you in `swarm watch` and the console, and how; and which the
/// hub mails you.
struct Notify: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Choose which notices reach you in 'swarm watch' and the console, and which by mail.",
        discussion: """
            While 'swarm watch' or the console runs, four kinds of event are notices: \
            invite (you are invited to a swarm), assign (someone made you an owner, or an escalation \
            or a tiered queue assigned you), sla (an SLA warning or breach on a ticket you own or are \
            assigned) and answer (the requester commented on a ticket you swarm). Never your own \
            actions. A notice prints a line starting with 🔔 and, as chosen here, rings the terminal's \
            bell, raises a desktop notice through the terminal's own escape sequence (OSC 9 for iTerm2, \
            Windows Terminal, kitty, WezTerm, Ghostty; OSC 777 for GNOME Terminal and other VTE \
            terminals, urxvt, foot; inside tmux passed through, which needs 'set -g \
            allow-passthrough on'), and runs notify-send where it is installed and a desktop session \
            is there.

            Saved with the profile (--profile, $SWARM_PROFILE, else the current one); a new 'swarm \
            login' to the same profile keeps it. Without a saved choice: every kind, the bell and the \
            desktop escape on, notify-send off. Without options, shows the choice; --test sends a \
            test notice the chosen ways.

            By mail, the hub sends the same kinds of notice to an address you give, whether or not a \
            terminal is open: --mail ADDRESS (every kind, unless --mail-on says which), --mail off to \
            stop. That choice is kept by the hub, for every terminal you use; the hub mails only when \
            its operator gave it a relay (--mail-from), which 'swarm notify' shows.

            Examples:
              swarm notify
              swarm notify --on invite,assign --no-bell
              swarm notify --off answer
              swarm notify --notify-send --no-desktop --test
              swarm notify --escape osc777
              swarm notify --reset
              swarm notify --mail nick@it.example --mail-on invite,sla --mail-language de
              swarm notify --mail off
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show the choice (what 'swarm notify' alone does).")
    var show = false

    @Option(
        help: ArgumentHelp(
            "Notices of these kinds only: invite, assign, sla, answer, comma-separated; all; or none.",
            valueName: "kinds"))
    var on: String?

    @Option(help: ArgumentHelp("No more notices of these kinds; the others stay as they are.", valueName: "kinds"))
    var off: String?

    @Flag(inversion: .prefixedNo, help: "Ring the terminal's bell.")
    var bell: Bool?

    @Flag(inversion: .prefixedNo, help: "Raise a desktop notice through the terminal's escape sequence.")
    var desktop: Bool?

    @Option(
        help: ArgumentHelp("The desktop escape: auto (from $TERM and the like), osc9 or osc777.", valueName: "kind"))
    var escape: DesktopEscape?

    @Flag(name: .customLong("notify-send"), inversion: .prefixedNo, help: "Also run notify-send, where there is one.")
    var notifySend: Bool?

    @Flag(help: "Back to the standard choice: every kind, bell and desktop escape on, notify-send off.")
    var reset = false

    @Flag(help: "Send a test notice now, the chosen ways.")
    var test = false

    @Option(
        help: ArgumentHelp(
            "Mail notices to this address (kept by the hub, for every terminal), or 'off'.", valueName: "address"))
    var mail: String?

    @Option(
        name: .customLong("mail-on"),
        help: ArgumentHelp(
            "Mail notices of these kinds only: invite, assign, sla, answer, comma-separated; all; or none.",
            valueName: "kinds"))
    var mailOn: String?

    @Option(
        name: .customLong("mail-language"),
        help: ArgumentHelp("The language of the notice mails: de or en (else the hub's).", valueName: "language"))
    var mailLanguage: String?

    var changes: Bool { on != nil || off != nil || bell != nil || desktop != nil || escape != nil || notifySend != nil }
    var mailChanges: Bool { mail != nil || mailOn != nil || mailLanguage != nil }

    func validate() throws {
        if let on { _ = try Notify.kinds(on, option: "--on", allowAll: true) }
        if let off { _ = try Notify.kinds(off, option: "--off", allowAll: false) }
        if on != nil && off != nil { throw ValidationError("give --on or --off, not both") }
        if reset && (changes || mailChanges) {
            throw ValidationError("--reset goes alone: it puts back the standard choice")
        }
        if let mailOn { _ = try Notify.kinds(mailOn, option: "--mail-on", allowAll: true) }
        if let mailLanguage, !["de", "en"].contains(mailLanguage) {
            throw ValidationError("--mail-language takes de or en, not '\(mailLanguage)'")
        }
        if let mail, mail != "off",
            RequesterName(parsing: mail).map({ if case .address = $0 { true } else { false } }) != true
        {
            throw ValidationError("--mail takes an e-mail address like nick@example.com, or off; not '\(mail)'")
        }
        if mail == "off" && (mailOn != nil || mailLanguage != nil) {
            throw ValidationError("--mail off goes without --mail-on and --mail-language: no mail, no kinds")
        }
    }

    /// The hub's choice for `agent` with this command's mail options: `nil` when it stays as it is.
    func changedMail(_ current: NotifySettings) throws(ClientError) -> NotifySet? {
        guard mailChanges else { return nil }
        if mail == "off" { return NotifySet(kinds: [], mail: nil, language: nil) }
        let address = mail ?? current.mail
        guard let address else {
            throw .usage("notices by mail need an address: give --mail ADDRESS too")
        }
        var kinds = current.mail == nil || current.kinds.isEmpty ? Set(Notice.Kind.allCases) : Set(current.kinds)
        if let mailOn {
            do {
                kinds = try Notify.kinds(mailOn, option: "--mail-on", allowAll: true)
            } catch {
                throw .usage("\(error)")
            }
        }
        return NotifySet(kinds: kinds.sorted(), mail: address, language: mailLanguage ?? current.language)
    }

    /// The kinds a comma-separated list names; `all` and `none` too where `allowAll`.
    static func kinds(_ list: String, option: String, allowAll: Bool) throws -> Set<Notice.Kind> {
        let words = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if allowAll && words == ["all"] { return Set(Notice.Kind.allCases) }
        if allowAll && words == ["none"] { return [] }
        var kinds = Set<Notice.Kind>()
        for word in words {
            guard let kind = Notice.Kind(rawValue: word) else {
                let choices = Notice.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError(
                    "'\(word)' is not a kind of notice; \(option) takes \(choices)\(allowAll ? ", all or none" : "")")
            }
            kinds.insert(kind)
        }
        guard !kinds.isEmpty else { throw ValidationError("\(option) needs at least one kind") }
        return kinds
    }

    /// The preferences with this command's changes.
    func changed(_ preferences: NoticePreferences) throws -> NoticePreferences {
        if reset { return .standard }
        var preferences = preferences
        if let on { preferences.kinds = try Notify.kinds(on, option: "--on", allowAll: true) }
        if let off { preferences.kinds.subtract(try Notify.kinds(off, option: "--off", allowAll: false)) }
        if let bell { preferences.bell = bell }
        if let desktop { preferences.desktop = desktop }
        if let escape { preferences.escape = escape }
        if let notifySend { preferences.notifySend = notifySend }
        return preferences
    }

    func run() async throws {
        let store = ProfileStore()
        let named = global.profile ?? ProcessInfo.processInfo.environment["SWARM_PROFILE"]
        let changing = reset || changes
        // Read (and, when changing, write) under the profiles file's lock: a login at the same moment
        // keeps its profile, and this choice is not lost to it.
        let (name, profile) = try store.update { file throws(ClientError) -> (String, Profile) in
            let name = named ?? file.current ?? ProfileStore.defaultName
            guard var profile = file.profiles[name] else {
                throw .notLoggedIn(
                    "no profile '\(name)' in \(store.url.path); notices are saved with a profile: run 'swarm login"
                        + (name == ProfileStore.defaultName ? "" : " --profile \(name)")
                        + " --server URL --token TOKEN'"
                )
            }
            if changing {
                do {
                    profile.notify = try changed(profile.notify ?? .standard)
                } catch {
                    throw .usage("\(error)")
                }
                file.profiles[name] = profile
            }
            return (name, profile)
        }
        let preferences = profile.notify ?? .standard
        let delivery = NoticeDelivery(preferences: preferences, terminal: outputIsTerminal && !global.json)
        let (byMail, mailProblem) = try await hubChoice(profile: name)
        if global.json {
            try sayJSON(
                NotifyResult(
                    profile: name, agent: profile.agent, changed: changing || mailChanges,
                    kinds: preferences.sortedKinds.map(\.rawValue),
                    bell: preferences.bell, desktop: preferences.desktop, escape: preferences.escape.rawValue,
                    notifySend: preferences.notifySend, notifySendPath: delivery.notifySend?.path,
                    mail: byMail.map {
                        MailResult(
                            address: $0.settings.mail, kinds: $0.settings.kinds.map(\.rawValue),
                            language: $0.settings.language, hubSendsMail: $0.mailOut)
                    }, mailProblem: mailProblem))
        } else {
            let who = profile.agent.map { "\($0) (profile '\(name)')" } ?? "profile '\(name)'"
            say("notices for \(who)\(changing || mailChanges ? ", saved" : ""):")
            var rows = delivery.describe()
            if let byMail {
                let chosen = EventLine.describe(byMail.settings)
                rows.append(("mail", byMail.mailOut ? chosen : "\(chosen); this hub sends no mail (no --mail-from)"))
            } else if let mailProblem {
                rows.append(("mail", "unknown: \(mailProblem)"))
            }
            let width = rows.map(\.0.count).max() ?? 0
            for (key, value) in rows {
                say("  " + key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value)
            }
        }
        if test {
            let notice = Notice(
                kind: .invite, ticket: "-", seq: 0, title: "test notice",
                body: "this is how notices reach \(profile.agent ?? "you")")
            if !global.json { say("🔔 \(notice.title) — \(notice.body)") }
            FileHandle.standardOutput.write(Data(delivery.sequences(for: notice).utf8))
            delivery.showOnDesktop(notice)
        }
    }

    /// The hub's choice of notices by mail, after this command's change: `nil` and why, when the hub
    /// cannot be asked and nothing was to change (a change that cannot be made is an error).
    func hubChoice(profile: String) async throws -> (NotifyAnswer?, String?) {
        do {
            let credentials = try global.credentials()
            let agent: String
            if let known = credentials.agent {
                agent = known
            } else {
                agent = try await HubConnection.open(credentials) { $0.welcome.agent }
            }
            let rest = RestClient(credentials)
            let current = try await rest.notifySettings(of: agent)
            guard let set = try changedMail(current.settings) else { return (current, nil) }
            _ = try await HubConnection.open(credentials) { try await $0.send(.command(.notifySet(set))) }
            return (try await rest.notifySettings(of: agent), nil)
        } catch let error as ClientError where !mailChanges {
            return (nil, error.message)
        }
    }

    struct MailResult: Encodable {
        var address: String?
        var kinds: [String]
        var language: String?
        var hubSendsMail: Bool
    }

    struct NotifyResult: Encodable {
        var profile: String
        var agent: String?
        var changed: Bool
        var kinds: [String]
        var bell: Bool
        var desktop: Bool
        var escape: String
        var notifySend: Bool
        var notifySendPath: String?
        var mail: MailResult?
        var mailProblem: String?
    }
}

extension DesktopEscape: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

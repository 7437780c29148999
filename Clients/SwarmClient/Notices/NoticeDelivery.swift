public import Foundation

/// How a person's notices reach them here: the bytes for the terminal and `notify-send`, as their
/// preferences choose and this environment allows.
public struct NoticeDelivery: Sendable {
    public var preferences: NoticePreferences
    /// The environment the terminal and desktop are read from (`TMUX`, `TERM`, `DISPLAY`, `PATH`, …).
    public var environment: [String: String]
    /// Whether escapes may be written: standard output is a terminal and not JSON for a script.
    public var terminal: Bool
    /// `notify-send`, when chosen, installed, and a desktop session is there.
    public var notifySend: NotifySend?

    /// The delivery `preferences` choose in `environment`.
    public init(
        preferences: NoticePreferences, environment: [String: String] = ProcessInfo.processInfo.environment,
        terminal: Bool
    ) {
        self.preferences = preferences
        self.environment = environment
        self.terminal = terminal
        self.notifySend = preferences.notifySend ? NotifySend(environment: environment) : nil
    }

    /// Whether `notice` is of a kind the person chose.
    public func wants(_ notice: Notice) -> Bool { preferences.kinds.contains(notice.kind) }

    /// The bell and desktop escape for `notice`; empty when not in a terminal or neither is chosen.
    public func sequences(for notice: Notice) -> String {
        terminal ? TerminalNotice.sequences(for: notice, preferences: preferences, environment: environment) : ""
    }

    /// Runs `notify-send` for `notice`, when it is to be used.
    public func showOnDesktop(_ notice: Notice) {
        notifySend?.show(notice)
    }

    /// How each way stands here, for `swarm notify --show`: ("bell", "on"), ("desktop", "on, OSC 9, …").
    public func describe() -> [(String, String)] {
        let escape = TerminalNotice.escape(preferences.escape, environment: environment)
        let sequence = escape == .osc777 ? "OSC 777" : "OSC 9"
        let how = preferences.escape == .auto ? "\(sequence), chosen for this terminal" : sequence
        var desktop = preferences.desktop ? "on (\(how))" : "off"
        if preferences.desktop {
            switch TerminalNotice.Multiplexer(environment: environment) {
            case .tmux: desktop += "; in tmux, passed through: needs 'set -g allow-passthrough on'"
            case .screen: desktop += "; in screen, passed through"
            case .none: break
            }
        }
        let send: String
        if !preferences.notifySend {
            send = "off"
        } else if let notifySend {
            send = "on (\(notifySend.path))"
        } else if NotifySend.find(environment) == nil {
            send = "on, but notify-send is not installed here"
        } else {
            send = "on, but there is no desktop session here (no DISPLAY, WAYLAND_DISPLAY or DBUS_SESSION_BUS_ADDRESS)"
        }
        return [
            (
                "kinds",
                preferences.kinds.isEmpty ? "none" : preferences.sortedKinds.map(\.rawValue).joined(separator: ",")
            ),
            ("bell", preferences.bell ? "on" : "off"), ("desktop", desktop), ("notify-send", send),
        ]
    }
}

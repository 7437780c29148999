/// The bytes that ring a terminal's bell and ask it for a desktop notice: pure, so what reaches
/// the terminal is a unit test away.
///
/// The bell is BEL (0x07): a terminal multiplexer sees it too and marks the window. The desktop
/// notice is an operating system command (OSC) the terminal turns into a notification of its own:
/// OSC 9 (`ESC ] 9 ; text BEL`, iTerm2's, also read by Windows Terminal, kitty, WezTerm, Ghostty) or
/// OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`, VTE's and urxvt's). Inside tmux an OSC would
/// reach tmux, not the terminal, so it is wrapped in tmux's passthrough (`ESC P tmux; … ESC \`, every
/// ESC inside doubled; tmux 3.3 and later pass it on only with `set -g allow-passthrough on`); inside
/// GNU screen in screen's (`ESC P … ESC \`).
public enum TerminalNotice {
    /// The bell.
    public static let bell = "\u{07}"

    /// How much of a notice's text goes into an escape sequence, in characters.
    public static let textLimit = 200

    /// `ESC ] 9 ; text BEL`. The text never starts with a digit: ConEmu and Windows Terminal read
    /// `9;4;…` as a progress report, so it is given a leading "swarm: ".
    public static func osc9(_ text: String) -> String {
        "\u{1B}]9;swarm: \(flatten(text))\u{07}"
    }

    /// `ESC ] 777 ; notify ; title ; body BEL`, with no `;` in the title or body (it separates them).
    public static func osc777(title: String, body: String) -> String {
        "\u{1B}]777;notify;\(flatten(title, separator: true));\(flatten(body, separator: true))\u{07}"
    }

    /// The terminal multiplexer the program runs in, which an OSC must be wrapped for.
    public enum Multiplexer: Sendable, Hashable {
        case none
        /// `$TMUX` is set.
        case tmux
        /// `$STY` is set (and not `$TMUX`).
        case screen

        /// The multiplexer `environment` says the program runs in.
        public init(environment: [String: String]) {
            if !(environment["TMUX"] ?? "").isEmpty {
                self = .tmux
            } else if !(environment["STY"] ?? "").isEmpty {
                self = .screen
            } else {
                self = .none
            }
        }
    }

    /// `sequence` wrapped so that `multiplexer` passes it to the terminal.
    public static func wrap(_ sequence: String, for multiplexer: Multiplexer) -> String {
        switch multiplexer {
        case .none: sequence
        case .tmux: "\u{1B}Ptmux;" + sequence.replacing("\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
        case .screen: "\u{1B}P" + sequence + "\u{1B}\\"
        }
    }

    /// The escape `choice` stands for here: itself, or for ``DesktopEscape/auto`` the one the
    /// terminal named by `environment` reads — OSC 777 for VTE (`$VTE_VERSION`), urxvt and foot,
    /// OSC 9 for the rest (iTerm2, Windows Terminal, kitty, WezTerm, Ghostty, and any other).
    public static func escape(_ choice: DesktopEscape, environment: [String: String]) -> DesktopEscape {
        guard choice == .auto else { return choice }
        let term = environment["TERM"] ?? ""
        let program = environment["TERM_PROGRAM"] ?? ""
        if ["iTerm.app", "WezTerm", "ghostty"].contains(program) || environment["WT_SESSION"] != nil
            || environment["KITTY_WINDOW_ID"] != nil || term == "xterm-kitty"
        {
            return .osc9
        }
        if environment["VTE_VERSION"] != nil || term.hasPrefix("rxvt") || term.hasPrefix("foot") { return .osc777 }
        return .osc9
    }

    /// What to write to the terminal for `notice`: the bell and the desktop escape, as `preferences`
    /// choose, wrapped for the multiplexer `environment` names. Empty when neither is chosen.
    public static func sequences(
        for notice: Notice, preferences: NoticePreferences, environment: [String: String]
    ) -> String {
        var out = ""
        if preferences.desktop {
            let sequence =
                switch escape(preferences.escape, environment: environment) {
                case .osc777: osc777(title: "swarm: " + notice.title, body: notice.body)
                case .osc9, .auto: osc9("\(notice.title) — \(notice.body)")
                }
            out += wrap(sequence, for: Multiplexer(environment: environment))
        }
        // The bell goes last and bare: tmux marks the window (and passes it on) only for a bell it sees.
        if preferences.bell { out += bell }
        return out
    }

    /// Text safe inside an OSC: no control character at all (newlines and tabs become spaces), no
    /// `;` when it separates fields, at most ``textLimit`` characters.
    static func flatten(_ text: String, separator: Bool = false) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in TerminalText.clean(text).unicodeScalars {
            switch scalar {
            case "\n", "\t", "\r": scalars.append(" ")
            case ";" where separator: scalars.append(",")
            default: scalars.append(scalar)
            }
        }
        let flat = String(scalars)
        return flat.count > textLimit ? String(flat.prefix(textLimit - 1)) + "…" : flat
    }
}

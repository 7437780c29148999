public import SwarmProtocol

/// What reaches a person, and how: their choice, saved with their profile by `swarm notify`.
///
/// The default (no choice saved) is every kind, the bell and the terminal's desktop notice; not
/// `notify-send`, which on most desktops would show the same notice twice.
public struct NoticePreferences: Codable, Sendable, Hashable {
    /// The kinds that reach the person.
    public var kinds: Set<Notice.Kind>
    /// Ring the terminal's bell (BEL).
    public var bell: Bool
    /// Raise a desktop notice through the terminal's own escape sequence (OSC 9 or OSC 777).
    public var desktop: Bool
    /// Which escape sequence that is.
    public var escape: DesktopEscape
    /// Also run `notify-send`, when it is installed and a desktop session is there.
    public var notifySend: Bool

    /// Preferences as given; the defaults are the standard ones.
    public init(
        kinds: Set<Notice.Kind> = Set(Notice.Kind.allCases), bell: Bool = true, desktop: Bool = true,
        escape: DesktopEscape = .auto, notifySend: Bool = false
    ) {
        self.kinds = kinds
        self.bell = bell
        self.desktop = desktop
        self.escape = escape
        self.notifySend = notifySend
    }

    /// Every kind, the bell and the desktop escape on, `notify-send` off.
    public static let standard = NoticePreferences()

    /// The kinds in their documented order.
    public var sortedKinds: [Notice.Kind] { kinds.sorted() }

    private enum CodingKeys: String, CodingKey {
        case kinds, bell, desktop, escape, notifySend
    }

    /// Reads what a client of any version wrote: missing keys take their defaults and kinds this
    /// client does not know are dropped, so a newer client's choice never makes the profiles file
    /// unreadable.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let standard = NoticePreferences.standard
        kinds =
            try c.decodeIfPresent([String].self, forKey: .kinds).map { Set($0.compactMap(Notice.Kind.init)) }
            ?? standard.kinds
        bell = try c.decodeIfPresent(Bool.self, forKey: .bell) ?? standard.bell
        desktop = try c.decodeIfPresent(Bool.self, forKey: .desktop) ?? standard.desktop
        escape =
            try c.decodeIfPresent(String.self, forKey: .escape).flatMap(DesktopEscape.init) ?? standard.escape
        notifySend = try c.decodeIfPresent(Bool.self, forKey: .notifySend) ?? standard.notifySend
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sortedKinds.map(\.rawValue), forKey: .kinds)
        try c.encode(bell, forKey: .bell)
        try c.encode(desktop, forKey: .desktop)
        try c.encode(escape.rawValue, forKey: .escape)
        try c.encode(notifySend, forKey: .notifySend)
    }
}

/// The escape sequence that asks the terminal for a desktop notice.
public enum DesktopEscape: String, Sendable, Hashable, CaseIterable, Codable {
    /// Chosen from the environment (``TerminalNotice/escape(for:)``).
    case auto
    /// `ESC ] 9 ; text BEL`: iTerm2, Windows Terminal, kitty, WezTerm, Ghostty, ConEmu.
    case osc9
    /// `ESC ] 777 ; notify ; title ; body BEL`: VTE terminals (GNOME Terminal, Tilix), urxvt, foot.
    case osc777
}

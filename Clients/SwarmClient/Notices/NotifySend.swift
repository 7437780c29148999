import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `notify-send` (libnotify), for a desktop notice that does not depend on the terminal.
public struct NotifySend: Sendable, Hashable {
    /// The program's path.
    public var path: String

    /// `notify-send` found on `PATH`, when there is a desktop session to show its notice: a display
    /// (`$DISPLAY`, `$WAYLAND_DISPLAY`) or a D-Bus session bus (`$DBUS_SESSION_BUS_ADDRESS`). `nil`
    /// otherwise — on a server over ssh it would only print an error.
    public init?(environment: [String: String]) {
        guard Self.hasSession(environment) else { return nil }
        guard let path = Self.find(environment) else { return nil }
        self.path = path
    }

    /// Whether `environment` has a desktop session.
    public static func hasSession(_ environment: [String: String]) -> Bool {
        ["DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"].contains { !(environment[$0] ?? "").isEmpty }
    }

    /// The first executable `notify-send` on `environment`'s `PATH`.
    public static func find(_ environment: [String: String]) -> String? {
        (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/notify-send" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The arguments for `notice`: the app name, then `--` so that a title starting with `-` is no
    /// option, the title and the body with its markup characters escaped (notification servers read
    /// the body as markup).
    public static func arguments(for notice: Notice) -> [String] {
        let body = TerminalNotice.flatten(notice.body).replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        return ["--app-name=swarm", "--", "swarm: " + TerminalNotice.flatten(notice.title), body]
    }

    /// Shows `notice` without waiting for it: `/bin/sh` starts `notify-send` in the background and
    /// ends at once (the texts pass as arguments, never through the shell's parser), so no child is
    /// left to reap and a slow notification daemon never holds up the feed.
    public func show(_ notice: Notice) {
        let argv =
            ["/bin/sh", "-c", "\"$0\" \"$@\" </dev/null >/dev/null 2>&1 &", path] + Self.arguments(for: notice)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
        }
        #if canImport(Glibc)
            // Not the hub's socket either: a notify-send still running would hold the connection open.
            Self.closeFrom(3, in: &actions)
        #endif
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, cArguments, environ) == 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    #if canImport(Glibc)
        /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), which Swift's Glibc module does not
        /// show (it needs `_GNU_SOURCE`), looked up at run time; nothing where it is missing.
        private static func closeFrom(_ first: Int32, in actions: inout posix_spawn_file_actions_t) {
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            guard
                let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else { return }
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, first)
        }
    #endif
}

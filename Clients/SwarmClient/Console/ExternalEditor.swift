public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The user's editor (`$VISUAL`, `$EDITOR`, or `vi`) on a temporary file, run the way git runs it.
///
/// The editor is a child in swarm's own process group, which is the terminal's foreground group, so
/// it may read the terminal and switch it to raw mode. Foundation's `Process` starts its child in a
/// process group of its own: the kernel then stops an editor that touches the terminal (SIGTTOU,
/// SIGTTIN), and the user sees a blank pane that only Ctrl-C leaves. While the editor runs, swarm
/// ignores SIGINT and SIGQUIT, as git does: the keys belong to the editor, and a Ctrl-C that vi
/// passes on must not end swarm (or its console) with the temporary file left behind.
public struct ExternalEditor: Sendable {
    /// The editor's command line, run by `/bin/sh` with the file as its last argument.
    public let command: String
    /// The folder for the temporary file (`$TMPDIR`, or `/tmp`).
    public let folder: String

    /// The editor the environment names: `$VISUAL`, then `$EDITOR` (empty ones skipped), then `vi`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let named = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }
            .first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        command = named ?? "vi"
        let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        folder = temporary.hasSuffix("/") && temporary.count > 1 ? String(temporary.dropLast()) : temporary
    }

    /// Writes `template` to a new file (mode 0600, a random name `PREFIX-XXXXXX.md`), lets the user
    /// edit it, and returns what the file then holds.
    ///
    /// The file is removed on every path: saved, the editor failing or quit with an error (`:cq`),
    /// or the editor not starting. An editor that does not exit with status 0 is a failure, so a
    /// user can always back out without sending anything.
    public func edit(template: String, prefix: String) async throws(ClientError) -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            throw .usage(
                "standard input is not a terminal, so no editor can run; give the text as words or on standard input")
        }
        // A swarm running as a background job would hand its editor a terminal it may not use.
        let foreground = tcgetpgrp(STDIN_FILENO)
        guard foreground < 0 || foreground == getpgrp() else {
            throw .usage("swarm is not in the terminal's foreground (a background job), so no editor can run here")
        }
        var path = Array("\(folder)/\(prefix)-XXXXXX.md".utf8CString)
        let fd = path.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 3) }
        guard fd >= 0 else {
            throw .failure("cannot create a temporary file in \(folder): \(String(cString: strerror(errno)))")
        }
        let file = String(cString: path)
        defer { unlink(file) }
        let bytes = Array(template.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw .failure("cannot write the temporary file \(file)") }

        let status = try await run(file: file)
        guard status.exited, status.code == 0 else {
            let how = status.exited ? "exited with status \(status.code)" : "was ended by signal \(status.code)"
            throw .failure("the editor '\(command)' \(how); nothing was sent")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .failure("cannot read \(file) after editing; nothing was sent")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// How the editor ended: its exit status, or the signal that ended it.
    struct Ending {
        var exited: Bool
        var code: Int32
    }

    /// Runs `sh -c 'EDITOR "$@"' EDITOR FILE` in this process group and waits for it, SIGINT and
    /// SIGQUIT ignored here meanwhile.
    private func run(file: String) async throws(ClientError) -> Ending {
        let savedInterrupt = signal(SIGINT, SIG_IGN)
        let savedQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, savedInterrupt)
            signal(SIGQUIT, savedQuit)
        }

        let arguments = ["/bin/sh", "-c", "\(command) \"$@\"", command, file]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The editor gets the terminal and nothing else: SwiftNIO's sockets (the console's live
        // feed) are not close-on-exec.
        Self.closeFrom(3, in: &actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // No POSIX_SPAWN_SETPGROUP: the editor stays in the foreground group with swarm. Every
        // signal back to its default (SIGINT and SIGQUIT are ignored here just now) and none
        // blocked (the thread this runs on may block some).
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw .failure("cannot start the editor '\(command)': \(String(cString: strerror(spawned)))")
        }
        // waitpid blocks, and for as long as the user writes: on a thread of its own, not on one of
        // the few threads that run Swift's tasks (the console's feed goes on meanwhile).
        let child = pid
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        // WIFEXITED, WEXITSTATUS and WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        return signal == 0 ? Ending(exited: true, code: (status >> 8) & 0xff) : Ending(exited: false, code: signal)
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), which Swift's Glibc module does not
    /// show (it needs `_GNU_SOURCE`), looked up at run time; without it the descriptors are inherited.
    private static func closeFrom(_ first: Int32, in actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, first)
    }
}

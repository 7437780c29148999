import Foundation
import SwarmClient
import SwarmProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a line to standard output at once (no buffering), so a pipe or tmux sees it immediately.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes a line to standard error.
func complain(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Prints a value as one line of JSON with sorted keys, the protocol's own encoding.
func sayJSON(_ value: some Encodable) throws {
    say(try SwarmJSON.string(value))
}

/// Whether standard output is a terminal (where a line may be rewritten in place).
var outputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

/// Whether standard input is a terminal (where keys can be read one by one).
var inputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

/// Whether both standard input and output are terminals, so the user can be asked things.
var hasTerminal: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

/// The current time, for relative times.
func now() -> Timestamp { Timestamp(Date()) }

/// The body of a REST-style error, printed on standard output with `--json`.
struct ErrorBody: Encodable {
    struct Inner: Encodable {
        var code: String
        var message: String
    }
    var error: Inner
}

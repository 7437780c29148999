import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The console's terminal: a prompt line at the bottom, event lines printed above it.
///
/// Input is read byte by byte in non-canonical mode without echo (termios), and only while the
/// console waits for a key; while a command runs, the terminal is back in its normal mode so the
/// command can prompt or start `$EDITOR`. Every write goes through one lock, so an event arriving
/// while the user types is printed above the prompt and the half-typed line is drawn again.
public final class ConsoleTerminal: Sendable {
    private struct State {
        var prompt = "swarm> "
        var line = ""
        var promptShown = false
        /// Lines printed while another program has the terminal, printed when it gives it back.
        var held: [String]?
    }

    private let state = Mutex(State())
    private let original: termios?

    /// Takes the terminal on standard input; `nil` when standard input or output is not a terminal.
    public init?() {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return nil }
        var settings = termios()
        guard tcgetattr(STDIN_FILENO, &settings) == 0 else { return nil }
        original = settings
    }

    /// Non-canonical input without echo or signal keys; output processing stays on, so `\n` still
    /// starts a new line for everything else that prints.
    public func enterKeyMode() {
        guard var settings = original else { return }
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        withUnsafeMutableBytes(of: &settings.c_cc) { bytes in
            bytes[Int(VMIN)] = 1
            bytes[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings)
    }

    /// The terminal as it was when the console started.
    public func restore() {
        guard var settings = original else { return }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings)
    }

    /// Reads what the user typed (at least one byte); `nil` at end of input.
    public func readKeys() async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 256)
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                continuation.resume(returning: count > 0 ? Array(buffer.prefix(count)) : nil)
            }
        }
    }

    /// Shows the prompt with `line` typed after it.
    public func showPrompt(_ prompt: String, line: String) {
        state.withLock { state in
            state.prompt = prompt
            state.line = line
            state.promptShown = true
            write("\r\u{1B}[2K" + prompt + line)
        }
    }

    /// Ends the prompt line (the user pressed Enter): what follows prints below it.
    public func leavePrompt(echo suffix: String = "") {
        state.withLock { state in
            state.promptShown = false
            write(suffix + "\n")
        }
    }

    /// Holds the lines printed from now on, while another program (an editor) has the terminal:
    /// written over its screen they would garble it.
    public func hold() {
        state.withLock { state in
            if state.held == nil { state.held = [] }
        }
    }

    /// Prints the lines held since ``hold()`` and prints again as they come.
    public func release() {
        state.withLock { state in
            let held = state.held ?? []
            state.held = nil
            if !held.isEmpty { write(held.map { $0 + "\n" }.joined()) }
        }
    }

    /// Prints a line above the prompt, or as a plain line while no prompt is shown; holds it while
    /// another program has the terminal.
    public func printAbove(_ text: String) {
        state.withLock { state in
            if state.held != nil {
                state.held?.append(text)
            } else if state.promptShown {
                write("\r\u{1B}[2K" + text + "\n" + state.prompt + state.line)
            } else {
                write(text + "\n")
            }
        }
    }

    /// Prints a notice's line above the prompt (held, like any line, while another program has the
    /// terminal) and writes its `signal` — the bell, the desktop escape — at once, even then: they
    /// draw nothing, and someone writing a comment in the editor is who they are for.
    public func alert(_ text: String, signal: String) {
        state.withLock { _ in
            if !signal.isEmpty { write(signal) }
        }
        printAbove(text)
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

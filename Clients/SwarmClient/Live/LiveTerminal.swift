import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The terminal of a full-screen view: the alternate screen, keys read one by one, the size and its
/// changes — and, on every way out, the terminal given back as it was: the main screen with its
/// text and cursor, the cursor shown, the tty's settings.
public final class LiveTerminal: Sendable {
    private let original: termios

    /// The terminal on standard input and output; `nil` when either is not a terminal.
    public init?() {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return nil }
        var settings = termios()
        guard tcgetattr(STDIN_FILENO, &settings) == 0 else { return nil }
        original = settings
    }

    /// The terminal's size now (80 × 24 when it does not say).
    public var size: TerminalSize {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
            return TerminalSize(columns: 80, rows: 24)
        }
        return TerminalSize(columns: Int(window.ws_col), rows: Int(window.ws_row))
    }

    /// Writes `text` at once.
    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Runs `body` on the alternate screen with keys read one by one, and restores the terminal
    /// however `body` ends.
    ///
    /// `keys` has what each read of the terminal returned (it ends when the terminal does);
    /// `resizes` has one element when the size changed (SIGWINCH), however often it did since the
    /// last was read. Ctrl-C and Ctrl-Z are keys here, not signals: the view decides what they do,
    /// and no signal can end swarm with the terminal left on the alternate screen.
    public func session<Result>(
        _ body: (_ keys: AsyncStream<[UInt8]>, _ resizes: AsyncStream<Void>) async throws -> Result
    ) async throws -> Result {
        enter()
        let reader = KeyReader()
        let keys = reader.start()
        let (resizes, resized) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        source.setEventHandler { resized.yield() }
        source.resume()
        func finish() async {
            source.cancel()
            resized.finish()
            // Nothing may read the terminal after the view: the next key is the shell's or the
            // console's.
            await reader.stop()
            leave()
        }
        do {
            let result = try await body(keys, resizes)
            await finish()
            return result
        } catch {
            await finish()
            throw error
        }
    }

    /// Key mode (non-canonical, no echo, no signal keys), then the alternate screen, cleared, with
    /// the cursor hidden. `?1049h` saves the cursor and the main screen's text with it.
    private func enter() {
        var settings = original
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        withUnsafeMutableBytes(of: &settings.c_cc) { bytes in
            bytes[Int(VMIN)] = 1
            bytes[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings)
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    /// The cursor shown, the main screen and cursor back, the tty's settings as they were (what was
    /// typed after the last key read stays for whoever reads next).
    private func leave() {
        write("\u{1B}[?25h\u{1B}[?1049l")
        var settings = original
        tcsetattr(STDIN_FILENO, TCSADRAIN, &settings)
    }
}

/// Reads the terminal on a thread of its own, waking every 100 ms to see whether to stop, so that
/// it never stays blocked in a `read` after the view is gone (a blocked read would take the next
/// key typed at the console's prompt).
private final class KeyReader: Sendable {
    private struct State {
        var stopping = false
        var done = false
        var waiting: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Starts reading; the stream ends at the end of input or after ``stop()``.
    func start() -> AsyncStream<[UInt8]> {
        let (keys, sink) = AsyncStream.makeStream(of: [UInt8].self)
        Thread.detachNewThread { [self] in
            readKeys(into: sink)
            sink.finish()
            let waiting = state.withLock { state in
                state.done = true
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume()
        }
        return keys
    }

    /// Stops reading and returns when the thread no longer reads.
    func stop() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                state.stopping = true
                if !state.done { state.waiting = continuation }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func readKeys(into sink: AsyncStream<[UInt8]>.Continuation) {
        var buffer = [UInt8](repeating: 0, count: 256)
        while !stopping {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { return }
            // Nothing typed, or the view is leaving: what is typed now is for whoever reads next.
            guard ready > 0, !stopping else { continue }
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count > 0 {
                sink.yield(Array(buffer.prefix(count)))
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                return  // the terminal is gone
            }
        }
    }
}

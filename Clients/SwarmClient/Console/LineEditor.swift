import Foundation

/// The line being typed at the console prompt, and what each key does to it. Pure: the terminal
/// I/O lives in ``ConsoleTerminal``, so the editing rules are testable without a terminal.
///
/// Keys: printable text inserts at the end; Backspace deletes a character; Ctrl-U clears the line;
/// Ctrl-W deletes a word; Up and Down walk the history; Tab completes; Enter submits; Ctrl-C drops
/// the line; Ctrl-D on an empty line ends the console. Other escape sequences are ignored.
public struct LineEditor: Sendable {
    /// The text typed so far.
    public private(set) var text = ""
    /// Lines submitted before, oldest first.
    public private(set) var history: [String] = []
    private var historyIndex: Int?
    private var pendingUTF8: [UInt8] = []
    private var escape: [UInt8]?

    /// An empty editor.
    public init() {}

    /// What a key asks the console to do.
    public enum Action: Sendable, Hashable {
        /// Redraw the line.
        case redraw
        /// Run this line.
        case submit(String)
        /// Complete the line.
        case complete
        /// The line was dropped (Ctrl-C).
        case cancel
        /// End the console (Ctrl-D on an empty line).
        case end
        /// Nothing to do (yet).
        case none
    }

    /// Feeds one byte read from the terminal.
    public mutating func feed(_ byte: UInt8) -> Action {
        if var sequence = escape {
            sequence.append(byte)
            // CSI sequences end with a byte in 0x40...0x7E; a lone ESC followed by anything else ends it.
            if sequence.count == 1 && byte != UInt8(ascii: "[") && byte != UInt8(ascii: "O") {
                escape = nil
                return .none
            }
            if sequence.count >= 2 && (0x40...0x7E).contains(byte) {
                escape = nil
                switch byte {
                case UInt8(ascii: "A"): return recall(-1)
                case UInt8(ascii: "B"): return recall(+1)
                default: return .none
                }
            }
            escape = sequence.count > 16 ? nil : sequence
            return .none
        }
        switch byte {
        case 0x1B:
            escape = []
            return .none
        case 0x0D, 0x0A:
            let line = text
            text = ""
            historyIndex = nil
            if !line.trimmingCharacters(in: .whitespaces).isEmpty, history.last != line { history.append(line) }
            return .submit(line)
        case 0x09: return .complete
        case 0x7F, 0x08:
            if !text.isEmpty { text.removeLast() }
            return .redraw
        case 0x15:
            text = ""
            return .redraw
        case 0x17:
            while text.last?.isWhitespace == true { text.removeLast() }
            while let last = text.last, !last.isWhitespace { text.removeLast() }
            return .redraw
        case 0x03:
            text = ""
            historyIndex = nil
            return .cancel
        case 0x04:
            return text.isEmpty ? .end : .none
        case 0x00..<0x20:
            return .none
        default:
            pendingUTF8.append(byte)
            if let scalar = String(validating: pendingUTF8, as: UTF8.self) {
                pendingUTF8 = []
                text += scalar
                return .redraw
            }
            if pendingUTF8.count >= 4 { pendingUTF8 = [] }
            return .none
        }
    }

    /// Replaces the line, after completion.
    public mutating func replace(with line: String) { text = line }

    private mutating func recall(_ step: Int) -> Action {
        guard !history.isEmpty else { return .none }
        let index = (historyIndex ?? history.count) + step
        if index >= history.count {
            historyIndex = nil
            text = ""
        } else {
            historyIndex = max(0, index)
            text = history[max(0, index)]
        }
        return .redraw
    }
}

/// A key a live view acts on, read from the bytes a terminal sends in key mode.
public enum LiveKey: Sendable, Hashable {
    /// `q`, `Q`, Esc, Ctrl-C or Ctrl-D: leave.
    case quit
    /// `r` or `R`: read the list now.
    case refresh
    /// Ctrl-L: draw the whole screen again.
    case repaint

    /// The keys in what one read of the terminal returned. Escape sequences (arrows, function keys,
    /// Alt with a key) are skipped whole, so the Esc that starts one is not taken for the Esc key; a
    /// lone Esc at the end of a read is the Esc key.
    public static func decode(_ bytes: [UInt8]) -> [LiveKey] {
        var keys: [LiveKey] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03, 0x04: keys.append(.quit)
            case UInt8(ascii: "r"), UInt8(ascii: "R"): keys.append(.refresh)
            case 0x0C: keys.append(.repaint)
            case 0x1B:
                // Esc alone, or Esc pressed twice: the key, not the start of a sequence.
                guard index < bytes.count, bytes[index] != 0x1B else {
                    keys.append(.quit)
                    break
                }
                index = endOfSequence(bytes, after: index)
            default: break
            }
        }
        return keys
    }

    /// Where the escape sequence whose ESC came just before `start` ends: CSI (`[` … a final byte
    /// `@`–`~`), SS3 (`O` and one byte), or ESC with one byte (Alt and a key).
    private static func endOfSequence(_ bytes: [UInt8], after start: Int) -> Int {
        switch bytes[start] {
        case UInt8(ascii: "["):
            var index = start + 1
            while index < bytes.count, !(0x40...0x7E).contains(bytes[index]) { index += 1 }
            return min(index + 1, bytes.count)
        case UInt8(ascii: "O"): return min(start + 2, bytes.count)
        default: return start + 1
        }
    }
}

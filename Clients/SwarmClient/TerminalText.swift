public import Foundation

/// What the hub sends, made safe to print in a terminal.
///
/// Titles, comments and names are other people's text: a control character in them (ESC, CSI,
/// backspace, carriage return) would let whoever wrote it move the cursor, rewrite lines or change
/// the terminal's settings on every agent's screen. The client replaces every control character but
/// tab and newline with U+FFFD before anything is decoded, so no printing path can forget it.
public enum TerminalText {
    /// Whether a scalar is a control character that must not reach the terminal.
    public static func isUnsafe(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A: false
        case 0x00..<0x20, 0x7F..<0xA0: true
        default: false
        }
    }

    /// `text` with its unsafe control characters replaced by U+FFFD.
    public static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isUnsafe(scalar.value) ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }

    /// A JSON text with every unsafe control character in its strings, escaped (`\u001b`) or not
    /// (C1 controls may be sent raw), replaced by U+FFFD; the rest is unchanged, byte for byte.
    public static func cleanJSON(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if bytes[index + 1] == UInt8(ascii: "u"), index + 5 < bytes.count,
                    let value = UInt32(String(decoding: bytes[(index + 2)...(index + 5)], as: UTF8.self), radix: 16),
                    isUnsafe(value)
                {
                    out += Array("\\ufffd".utf8)
                    index += 6
                    continue
                }
                out += bytes[index...(index + 1)]
                index += 2
                continue
            }
            if byte == 0x7F {
                out += replacement
            } else if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                out += replacement
                index += 1
            } else {
                out.append(byte)
            }
            index += 1
        }
        return Data(out)
    }

    /// The same for a JSON text as a string.
    public static func cleanJSON(_ text: String) -> String {
        String(decoding: cleanJSON(Data(text.utf8)), as: UTF8.self)
    }
}

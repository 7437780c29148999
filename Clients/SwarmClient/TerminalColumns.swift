/// How many columns text takes in a terminal, and text cut to a number of columns.
///
/// A full-screen view (`swarm tickets --live`) must not let a line wrap: a wrapped row pushes every
/// row below it down and the last ones off the screen. Escape sequences (the colours of ``Style``)
/// take no column; East Asian wide characters and emoji take two; combining marks none.
public enum TerminalColumns {
    /// The columns `text` takes, escape sequences not counted.
    public static func width(of text: String) -> Int {
        var total = 0
        var escape = EscapeScanner()
        for character in text where !escape.consumes(character) {
            total += width(of: character)
        }
        return total
    }

    /// `text` cut to at most `columns` columns; escape sequences are kept, and when the cut falls
    /// after one, a reset (`ESC[0m`) ends the line so a colour does not run on.
    public static func cut(_ text: String, to columns: Int) -> String {
        var used = 0
        var escape = EscapeScanner()
        var styled = false
        var result = ""
        for character in text {
            if escape.consumes(character) {
                styled = true
                result.append(character)
                continue
            }
            let wide = width(of: character)
            guard used + wide <= columns else { return styled ? result + "\u{1B}[0m" : result }
            used += wide
            result.append(character)
        }
        return result
    }

    /// The columns one character takes: 0 for a control character or a combining mark alone, 2 for a
    /// wide or emoji character, else 1.
    public static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.contains(where: { $0.value == 0xFE0F }) || first.properties.isEmojiPresentation { return 2 }
        switch first.properties.generalCategory {
        case .control, .format, .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        return isWide(first.value) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F, by block).
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD,
            0x30000...0x3FFFD:
            true
        default: false
        }
    }

    /// Recognises escape sequences: CSI (`ESC [` … a final byte `@`–`~`), or `ESC` and one character.
    private struct EscapeScanner {
        private enum State { case text, escape, csi }
        private var state = State.text

        /// Whether `character` belongs to an escape sequence (and so takes no column).
        mutating func consumes(_ character: Character) -> Bool {
            switch state {
            case .text:
                guard character == "\u{1B}" else { return false }
                state = .escape
            case .escape:
                state = character == "[" ? .csi : .text
            case .csi:
                if let value = character.unicodeScalars.first?.value, (0x40...0x7E).contains(value) { state = .text }
            }
            return true
        }
    }
}

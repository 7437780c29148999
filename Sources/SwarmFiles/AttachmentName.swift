import Foundation

/// The name an attachment is kept and offered under, made safe from whatever name the uploader's client
/// sent.
///
/// The name is shown in terminals, pages and mail and handed back to browsers in `Content-Disposition`, so
/// it must not reach outside a folder, hide what it is, or break a line or a header:
/// - only the last path component is kept, with `/` and `\` both separators (`../../etc/passwd` is
///   `passwd`; `C:\Users\x\report.pdf` is `report.pdf`);
/// - control characters (U+0000–U+001F, U+007F–U+009F, NUL among them) and the line and paragraph
///   separators (U+2028, U+2029) are removed;
/// - bidirectional formatting is removed — the embeddings and overrides U+202A–U+202E, the isolates
///   U+2066–U+2069 and the marks U+200E, U+200F, U+061C — so that `invoice\u{202E}gpj.exe`, which shows as
///   `invoiceexe.jpg`, is `invoicegpj.exe`, what it is;
/// - leading dots and white space are removed (no hidden files, no `.` or `..`), trailing white space too;
/// - the name is in Unicode's composed form (NFC), so that a name from a Mac and the same from Windows are
///   the same bytes;
/// - at most 255 bytes of UTF-8 (what file systems allow in a name), cut between characters and keeping
///   the extension;
/// - and a name with nothing left is `attachment`.
package enum AttachmentName {
    /// The longest name, in bytes of UTF-8.
    package static let maximumLength = 255
    /// The name of a file whose own name had nothing usable.
    package static let fallback = "attachment"
    /// The longest extension kept whole when a long name is cut, dot included, in bytes of UTF-8; a longer
    /// "extension" is cut as part of the name.
    static let maximumExtensionLength = 32

    /// `name` made safe, by the rules above. Sanitising a sanitised name changes nothing.
    package static func sanitize(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: name.unicodeScalars.filter { !isRemoved($0) })
        let cleaned = String(scalars).precomposedStringWithCanonicalMapping
        let last = cleaned.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? ""
        var trimmed = last.drop(while: { $0 == "." || $0.isWhitespace })
        while let end = trimmed.last, end.isWhitespace { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { return fallback }
        return cut(String(trimmed))
    }

    /// Whether a scalar is taken out of a name.
    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // controls, NUL, line breaks and tabs among them
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069: true  // bidi embeddings, overrides and isolates
        case 0x200E, 0x200F, 0x061C: true  // bidi marks (left-to-right, right-to-left, Arabic letter)
        default: false
        }
    }

    /// `name` cut to ``maximumLength`` bytes between characters, its extension kept when it has a short one.
    private static func cut(_ name: String) -> String {
        guard name.utf8.count > maximumLength else { return name }
        var stem = Substring(name)
        var suffix = ""
        if let dot = name.lastIndex(of: "."), dot > name.startIndex,
            name.utf8[dot...].count <= maximumExtensionLength
        {
            stem = name[..<dot]
            suffix = String(name[dot...])
        }
        let budget = maximumLength - suffix.utf8.count
        var kept = 0
        var end = stem.startIndex
        for character in stem {
            let length = character.utf8.count
            guard kept + length <= budget else { break }
            kept += length
            end = stem.index(after: end)
        }
        var cutStem = stem[..<end]
        while let last = cutStem.last, last.isWhitespace { cutStem = cutStem.dropLast() }
        // A first character longer than the room left (a pile of combining marks) leaves no stem.
        return (cutStem.isEmpty ? fallback : String(cutStem)) + suffix
    }
}

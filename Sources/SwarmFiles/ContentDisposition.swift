import Foundation

/// The value of the `Content-Disposition` header an attachment is served with (RFC 6266): how the browser
/// handles it and the name it saves it under, in two forms — `filename="…"`, plain ASCII for every client,
/// and `filename*=UTF-8''…`, the name itself percent-encoded (RFC 8187), which clients that know it prefer.
///
/// ```
/// attachment; filename="Prufbericht.pdf"; filename*=UTF-8''Pr%C3%BCfbericht.pdf
/// ```
package enum ContentDisposition {
    /// Whether the browser shows the file or saves it.
    package enum Kind: String, Sendable {
        /// Saved, never shown: every type but ``MediaType/inlineImages``.
        case attachment
        /// Shown in the page; only for ``MediaType/mayBeShownInline`` types.
        case inline
    }

    /// The header's value for a file named `filename`, which is first made safe with
    /// ``AttachmentName/sanitize(_:)``.
    package static func value(_ kind: Kind = .attachment, filename: String) -> String {
        let name = AttachmentName.sanitize(filename)
        return "\(kind.rawValue); filename=\"\(asciiFallback(name))\"; filename*=UTF-8''\(percentEncoded(name))"
    }

    /// The name in printable ASCII, for `filename="…"`: accents dropped (`Prüfbericht` is `Prufbericht`), any
    /// other run of characters outside ASCII one `_`, and `"`, `\` and `%` (which some browsers decode in
    /// this parameter, RFC 6266 appendix D) `_` as well. A name whose part before the extension keeps no
    /// letter or digit (`見積書.pdf`) is `attachment` with its extension.
    static func asciiFallback(_ name: String) -> String {
        var result = ""
        var lastWasReplaced = false
        for scalar in name.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if scalar.isASCII, scalar.value >= 0x20, scalar.value != 0x7F, !"\"\\%".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
                lastWasReplaced = false
            } else if !lastWasReplaced {
                result.append("_")
                lastWasReplaced = true
            }
        }
        let dot = result.lastIndex(of: ".") ?? result.endIndex
        let stem = result[..<dot]
        guard stem.contains(where: { $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return AttachmentName.fallback + result[dot...]
        }
        return result
    }

    /// The name's UTF-8 bytes with every byte but RFC 8187's `attr-char` as `%XX`.
    static func percentEncoded(_ name: String) -> String {
        var result = ""
        for byte in name.utf8 {
            if isAttributeCharacter(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// RFC 8187's `attr-char`: ALPHA, DIGIT and ``!#$&+-.^_`|~``.
    private static func isAttributeCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$&+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}

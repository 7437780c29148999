/// A header value with parameters, such as `form-data; name="file"; filename="Prüfbericht.pdf"` or
/// `multipart/form-data; boundary=----x` (RFC 9110 §5.6.6), with RFC 8187's extended values
/// (`filename*=UTF-8''Pr%C3%BCfbericht.pdf`) decoded.
///
/// What browsers send is read as they send it: a quoted value may hold UTF-8 as is (RFC 7578 §4.2 lets
/// `multipart/form-data` do so), and a `\` quotes the character after it.
package struct HeaderParameters: Sendable, Equatable {
    /// The value before the first `;`, trimmed and in lower case: `form-data`.
    package let value: String
    /// The parameters by name in lower case, an extended value (`name*`) already preferred over the plain one.
    private let parameters: [String: String]

    /// Parses a header value; `nil` when it is not one: a parameter without `=`, a name that is not a token,
    /// a quoted string that does not end, or a value that is neither token nor quoted string.
    package init?(_ text: String) {
        var reader = Reader(bytes: Array(text.utf8))
        let value = reader.take { $0 != UInt8(ascii: ";") }
        self.value = String(decoding: value, as: UTF8.self).trimmingASCIIWhitespace().lowercased()
        var plain: [String: String] = [:]
        var extended: [String: String] = [:]
        while reader.skip(UInt8(ascii: ";")) {
            reader.skipWhitespace()
            if reader.atEnd { break }  // a trailing `;`, which some clients send
            let name = String(decoding: reader.take(while: Self.isTokenByte), as: UTF8.self).lowercased()
            reader.skipWhitespace()
            guard !name.isEmpty, reader.skip(UInt8(ascii: "=")) else { return nil }
            reader.skipWhitespace()
            let raw: [UInt8]
            if reader.skip(UInt8(ascii: "\"")) {
                guard let quoted = reader.quotedString() else { return nil }
                raw = quoted
            } else {
                raw = reader.take(while: Self.isTokenByte)
                guard !raw.isEmpty else { return nil }
            }
            reader.skipWhitespace()
            guard reader.atEnd || reader.peek == UInt8(ascii: ";") else { return nil }
            if name.hasSuffix("*") {
                // An extended value that cannot be decoded is left out; the plain one, if any, stands.
                if let decoded = Self.extendedValue(raw) { extended[String(name.dropLast())] = decoded }
            } else if plain[name] == nil {
                plain[name] = String(decoding: raw, as: UTF8.self)
            }
        }
        self.parameters = plain.merging(extended) { _, extended in extended }
    }

    /// The parameter's value (its extended form when it has one), or `nil`; names are matched in any case.
    package subscript(name: String) -> String? { parameters[name.lowercased()] }

    /// RFC 8187's `ext-value`: `charset'language'pct-encoded`, in UTF-8 or ISO-8859-1 (the two a
    /// recipient must know); `nil` for any other charset or a bad escape.
    static func extendedValue(_ raw: [UInt8]) -> String? {
        let parts = raw.split(separator: UInt8(ascii: "'"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var bytes: [UInt8] = []
        var index = parts[2].startIndex
        let encoded = parts[2]
        while index < encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "%") {
                guard encoded.distance(from: index, to: encoded.endIndex) >= 3,
                    let high = hexValue(encoded[index + 1]), let low = hexValue(encoded[index + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        switch String(decoding: parts[0], as: UTF8.self).lowercased() {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// RFC 9110's `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// A cursor over a header value's bytes.
private struct Reader {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }

    mutating func take(while predicate: (UInt8) -> Bool) -> [UInt8] {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return Array(bytes[start..<index])
    }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func skipWhitespace() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    /// The rest of a quoted string whose opening `"` is read, up to and past its closing one; `nil` when it
    /// does not end.
    mutating func quotedString() -> [UInt8]? {
        var result: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return result
            case UInt8(ascii: "\\"):
                guard let quoted = peek else { return nil }
                index += 1
                result.append(quoted)
            default: result.append(byte)
            }
        }
        return nil
    }
}

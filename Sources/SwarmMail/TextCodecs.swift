/// Windows-1252, the fallback for bytes that are not UTF-8 and name no charset iconv knows: every byte
/// has a character, and for ISO-8859-1 text (what most such mail is) it gives the same letters.
enum Windows1252 {
    /// 0x80–0x9F, where Windows-1252 differs from ISO-8859-1; the five unassigned bytes stay C1 controls.
    private static let high: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    /// The text with C1 control characters (U+0080–U+009F) read as the Windows-1252 characters of the
    /// same byte. Outlook labels Windows-1252 text `iso-8859-1`, so its dashes and quotes arrive as C1
    /// controls, which no person writes.
    static func replacingC1Controls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = (0x80...0x9F).contains(scalar.value) ? high[Int(scalar.value) - 0x80] : scalar.value
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }

    /// The bytes as Windows-1252 text.
    static func decode(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}

/// `format=flowed` (RFC 3676), as Apple Mail and Thunderbird send plain text: a line ending in a space
/// goes on in the next one.
enum FlowedText {
    /// The text with soft line breaks joined, space-stuffing removed and quote depths kept apart.
    static func unflow(_ text: String, deleteSpace: Bool) -> String {
        var output: [String] = []
        var current: String?
        var currentDepth = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            let depth = line.prefix(while: { $0 == ">" }).count
            line = line.dropFirst(depth)
            if line.hasPrefix(" ") { line = line.dropFirst() }  // space-stuffing
            let isSignature = line == "-- "
            let flowed = line.hasSuffix(" ") && !isSignature
            if deleteSpace && flowed { line = line.dropLast() }
            let quote = String(repeating: ">", count: depth) + (depth > 0 ? " " : "")
            if let existing = current, currentDepth == depth {
                current = existing + line
            } else {
                if let existing = current { output.append(existing) }
                current = quote + line
                currentDepth = depth
            }
            if !flowed {
                output.append(current!)
                current = nil
            }
        }
        if let current { output.append(current) }
        return output.joined(separator: "\n")
    }
}

/// The fields of a `message/delivery-status` part (RFC 3464): blocks of `Name: value` lines, the first
/// about the message, each further one about a recipient.
enum DeliveryStatus {
    /// The recipients whose block says `Action: failed`.
    static func failedRecipients(_ text: String) -> [DeliveryReport.FailedRecipient] {
        var result: [DeliveryReport.FailedRecipient] = []
        for block in blocks(text) {
            guard block["action"]?.lowercased() == "failed",
                let recipient = block["final-recipient"] ?? block["original-recipient"]
            else { continue }
            // `rfc822; user@example.com`: the address type, then the address.
            let address = recipient.split(separator: ";", maxSplits: 1).last.map { String($0).trimmingWhitespace() }
            guard let address, !address.isEmpty else { continue }
            result.append(
                DeliveryReport.FailedRecipient(
                    address: address.stripping("<>").lowercased(), status: block["status"],
                    diagnostic: block["diagnostic-code"]))
        }
        return result
    }

    /// The blocks, each a map from lowercased field name to its unfolded value (the first of a repeat).
    private static func blocks(_ text: String) -> [[String: String]] {
        var blocks: [[String: String]] = []
        var block: [String: String] = [:]
        var lastName: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !block.isEmpty { blocks.append(block) }
                block = [:]
                lastName = nil
            } else if line.first == " " || line.first == "\t", let name = lastName {
                block[name, default: ""] += " " + line.trimmingWhitespace()
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].trimmingWhitespace().lowercased()
                lastName = name
                if block[name] == nil { block[name] = String(line[line.index(after: colon)...]).trimmingWhitespace() }
            }
        }
        if !block.isEmpty { blocks.append(block) }
        return blocks
    }
}

extension Substring {
    func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}

extension String {
    /// The string without the given characters at either end.
    func stripping(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

import Foundation

/// The channel list of a stored event, as the `channels` column holds it: a JSON array of strings.
///
/// Written and read by hand because it is on the hot path of every append and every resumed event,
/// and channel names never contain a quote, a backslash or a control character (`Channel.init`
/// refuses them), so the array needs no escaping.
enum ChannelList {
    static func encode(_ channels: [String]) -> String {
        var text = "["
        for (index, channel) in channels.enumerated() {
            if index > 0 { text += "," }
            text += "\""
            text += channel
            text += "\""
        }
        return text + "]"
    }

    /// The channels of `text`, or `nil` when it is not such an array. Escapes (a log written by
    /// Foundation's encoder may hold `\/`) take the slow path.
    static func decode(_ text: String) -> [String]? {
        if let channels = decodePlain(text) { return channels }
        // Only an escape is a reason to ask Foundation: its decoder also takes what JSON does not
        // (a trailing comma), which a channels column never holds.
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    private static func decodePlain(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
            var channels: [String] = []
            var index = 1
            let end = bytes.count - 1
            while index < end {
                guard bytes[index] == UInt8(ascii: "\"") else { return nil }
                var close = index + 1
                while close < end, bytes[close] != UInt8(ascii: "\"") {
                    if bytes[close] == UInt8(ascii: "\\") { return nil }
                    close += 1
                }
                guard close < end else { return nil }
                let name = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<close])
                channels.append(String(decoding: name, as: UTF8.self))
                index = close + 1
                if index < end {
                    guard bytes[index] == UInt8(ascii: ",") else { return nil }
                    index += 1
                    guard index < end else { return nil }
                }
            }
            return channels
        }
    }

    /// Decodes the channel lists of consecutive rows, reusing the last list when a row's text is the
    /// same: the rows of one resume are nearly always one ticket's, so this turns a parse and an
    /// array of strings per row into a comparison and a retain.
    struct Reader {
        private var last: (text: String, channels: [String])?

        mutating func decode(_ text: String) -> [String]? {
            if let last, last.text == text { return last.channels }
            guard let channels = ChannelList.decode(text) else { return nil }
            last = (text, channels)
            return channels
        }
    }
}

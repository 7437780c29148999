/// A `multipart/form-data` body (RFC 7578, RFC 2046 §5.1) read as it streams in, a chunk at a time: the parts'
/// headers whole, their contents as they come, never gathered.
///
/// Written here rather than taken from multipart-kit, the library this stack names for it: its parser (4.7.1,
/// the newest this machine has) traps on a byte of 0x80 or more in a part's header name — any signed-in user
/// could have stopped the hub with one upload (found by `FormDataFuzzTests`; docs/architecture.md).
///
/// Strict where strictness costs nobody: header lines end in CRLF, header names are RFC 9110 tokens, header
/// values are UTF-8 (browsers send file names so), a part's headers are at most ``maxHeaderBytes``. What comes
/// before the first boundary (the preamble) and after the last (the epilogue) is skipped, as RFC 2046 says.
package struct MultipartReader: Sendable {
    /// What the body held, in order.
    package enum Event: Equatable, Sendable {
        /// A part begins, with its header fields (names as sent).
        case part(headers: [Header])
        /// Bytes of the current part's content.
        case content([UInt8])
        /// The current part ended.
        case partEnd
        /// The closing boundary: the body is complete.
        case end
    }

    /// A header field of a part.
    package struct Header: Equatable, Sendable {
        package var name: String
        package var value: String

        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Why a body is not a `multipart/form-data` body; the message names what is wrong.
    package struct Malformed: Error, Equatable, Sendable {
        package let message: String

        package init(message: String) { self.message = message }
    }

    /// The most bytes a part's header block may have.
    package static let maxHeaderBytes = 16_384

    private enum State: Sendable {
        /// Before the first boundary; the bytes are skipped.
        case preamble
        /// Just after a boundary: `--` (the last one) or CRLF (a part follows), after optional blanks.
        case afterBoundary([UInt8])
        /// In a part's header block.
        case headers([UInt8])
        /// In a part's content.
        case content
        /// After the closing boundary; the bytes are skipped.
        case epilogue
    }

    /// `CRLF--boundary`: what ends a part's content.
    private let delimiter: [UInt8]
    private var state = State.preamble
    /// Bytes read but not yet given out, because they may be the start of a delimiter.
    private var held: [UInt8]

    /// A reader of a body whose boundary is `boundary` (1 to 70 characters, RFC 2046).
    package init(boundary: String) throws(Malformed) {
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw Malformed(message: "the boundary must be 1 to 70 printable ASCII characters")
        }
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body's first boundary has no CRLF before it: reading as if one did finds it like the others.
        held = [13, 10]
    }

    /// Whether the body is complete: its closing boundary read.
    package var isComplete: Bool {
        if case .epilogue = state { return true }
        return false
    }

    /// What the next chunk of the body holds.
    package mutating func read(_ chunk: some Collection<UInt8>) throws(Malformed) -> [Event] {
        var events: [Event] = []
        var bytes = held
        held = []
        bytes.append(contentsOf: chunk)
        var index = 0
        while index < bytes.count {
            switch state {
            case .epilogue:
                return events
            case .preamble, .content:
                let inContent: Bool
                if case .content = state { inContent = true } else { inContent = false }
                guard let found = Self.search(delimiter, in: bytes, from: index) else {
                    // Keep what may be the start of a delimiter; the rest is content (or skipped preamble).
                    let keep = Self.partialMatch(delimiter, atEndOf: bytes, from: index)
                    if inContent, bytes.count - keep > index {
                        events.append(.content(Array(bytes[index..<(bytes.count - keep)])))
                    }
                    held = Array(bytes[(bytes.count - keep)...])
                    return events
                }
                if inContent {
                    if found > index { events.append(.content(Array(bytes[index..<found]))) }
                    events.append(.partEnd)
                }
                index = found + delimiter.count
                state = .afterBoundary([])
            case .afterBoundary(var seen):
                while index < bytes.count, seen.count < 2 {
                    let byte = bytes[index]
                    index += 1
                    if seen.isEmpty, byte == 0x20 || byte == 0x09 { continue }  // transport padding
                    seen.append(byte)
                }
                guard seen.count == 2 else {
                    state = .afterBoundary(seen)
                    return events
                }
                if seen == [0x2D, 0x2D] {
                    events.append(.end)
                    state = .epilogue
                } else if seen == [13, 10] {
                    state = .headers([])
                } else {
                    throw Malformed(message: "a boundary must be followed by CRLF or '--'")
                }
            case .headers(var block):
                // The block ends at an empty line: CRLF CRLF, or CRLF at once for a part without headers.
                while index < bytes.count, !Self.endsHeaders(block) {
                    block.append(bytes[index])
                    index += 1
                }
                guard block.count <= Self.maxHeaderBytes else {
                    throw Malformed(message: "a part's headers have more than \(Self.maxHeaderBytes) bytes")
                }
                guard Self.endsHeaders(block) else {
                    state = .headers(block)
                    return events
                }
                events.append(.part(headers: try Self.headers(block)))
                // The content begins; a delimiter right away is an empty part.
                state = .content
            }
        }
        return events
    }

    /// The header fields of a block that ends in an empty line.
    private static func headers(_ block: [UInt8]) throws(Malformed) -> [Header] {
        var headers: [Header] = []
        // Each line ends in LF; the last two pieces are the empty line's CR and what follows its LF.
        for line in block.split(separator: 10, omittingEmptySubsequences: false).dropLast(2) {
            guard line.last == 13 else { throw Malformed(message: "a part's header line must end in CRLF") }
            let text = line.dropLast()
            guard let colon = text.firstIndex(of: UInt8(ascii: ":")), colon > text.startIndex else {
                throw Malformed(message: "a part's header line must be 'Name: value'")
            }
            let name = text[..<colon]
            guard name.allSatisfy(HeaderParameters.isTokenByte) else {
                throw Malformed(message: "a part's header name must be a token")
            }
            let rawValue = text[text.index(after: colon)...]
            guard rawValue.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }),
                let value = String(validating: rawValue, as: UTF8.self)
            else {
                throw Malformed(message: "a part's header value must be UTF-8 without control characters")
            }
            headers.append(
                Header(
                    name: String(decoding: name, as: UTF8.self),
                    value: String(value.trimmingASCIIWhitespace())))
        }
        return headers
    }

    /// Whether a header block is whole: it ends in an empty line.
    private static func endsHeaders(_ block: [UInt8]) -> Bool {
        block == [13, 10] || block.suffix(4).elementsEqual([13, 10, 13, 10])
    }

    /// The index of the first whole `needle` in `bytes` from `start`.
    private static func search(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            guard let candidate = bytes[index...].firstIndex(of: first), candidate + needle.count <= bytes.count
            else { return nil }
            if bytes[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }

    /// How many bytes at the end of `bytes` (after `start`) are a beginning of `needle`: the most that may
    /// be the first part of a delimiter the next chunk completes.
    private static func partialMatch(_ needle: [UInt8], atEndOf bytes: [UInt8], from start: Int) -> Int {
        let longest = min(needle.count - 1, bytes.count - start)
        var length = longest
        while length > 0 {
            if bytes[(bytes.count - length)...].elementsEqual(needle[..<length]) { return length }
            length -= 1
        }
        return 0
    }
}

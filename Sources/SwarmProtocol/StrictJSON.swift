/// The JSON the hub accepts: RFC 8259 exactly, checked before anything is decoded.
///
/// Foundation's decoder is lenient where the protocol must not be: it keeps the first of two equal
/// keys (a proxy or another client that keeps the last sees another frame), accepts a byte-order
/// mark and trailing commas, and reports an integer too large for its field as invalid JSON
/// without naming the field. This pass refuses all of those, names the field where there is one,
/// and bounds the nesting depth, in one walk over the bytes without allocating a value.
public enum StrictJSON {
    /// The deepest nesting of objects and arrays accepted.
    public static let maxDepth = 64

    /// Why a text is refused.
    public struct Violation: Error, Sendable, Hashable {
        /// `bad_frame` for text that is not strict JSON, `invalid_field` for a field that is wrong.
        public var code: ErrorCode
        public var message: String
    }

    /// Checks that `bytes` hold one strict JSON value; throws the first violation.
    ///
    /// - Parameter boundedIntegers: refuse integers beyond 64 bits (every integer of the protocol fits);
    ///   `false` for a body from another system that may carry fields the hub does not read
    ///   (Alertmanager's webhook), where a large number in one of those harms nothing.
    public static func check(_ bytes: some Collection<UInt8>, boundedIntegers: Bool = true) throws(Violation) {
        let array = Array(bytes)
        try array.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(Violation) in
            var parser = Parser(bytes: buffer, boundedIntegers: boundedIntegers)
            try parser.document()
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let boundedIntegers: Bool
        var index = 0
        /// The keys and indexes from the root to the current value, for messages.
        var path: [PathElement] = []

        enum PathElement {
            case key([UInt8])
            case index(Int)
        }

        init(bytes: UnsafeBufferPointer<UInt8>, boundedIntegers: Bool) {
            self.bytes = bytes
            self.boundedIntegers = boundedIntegers
        }

        var fieldName: String {
            var text = ""
            for element in path {
                switch element {
                case .key(let key):
                    if !text.isEmpty { text += "." }
                    text += String(decoding: key, as: UTF8.self)
                case .index(let index): text += "[\(index)]"
                }
            }
            return text
        }

        func syntax(_ what: String) -> Violation {
            Violation(code: .badFrame, message: "a frame must be strict JSON: \(what) at byte \(index)")
        }

        mutating func document() throws(Violation) {
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                throw Violation(
                    code: .badFrame, message: "a frame must be strict JSON: a byte-order mark is not allowed")
            }
            skipWhitespace()
            try value(depth: 0)
            skipWhitespace()
            guard index == bytes.count else { throw syntax("text after the value") }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Violation) {
            guard index < bytes.count else { throw syntax("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw syntax("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(Violation) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw syntax("unexpected end") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
                throw syntax("unexpected character")
            }
            index += count
        }

        mutating func object(depth: Int) throws(Violation) {
            guard depth <= maxDepth else { throw syntax("nested deeper than \(maxDepth) levels") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            var keys: Set<[UInt8]> = []
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw syntax(keys.isEmpty ? "expected a key" : "a trailing comma or a missing key")
                }
                let key = try string()
                path.append(.key(key))
                guard keys.insert(key).inserted else {
                    throw Violation(code: .invalidField, message: "field '\(fieldName)' appears more than once")
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw syntax("expected ':'") }
                index += 1
                skipWhitespace()
                try value(depth: depth)
                path.removeLast()
                skipWhitespace()
                guard index < bytes.count else { throw syntax("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw syntax("expected ',' or '}'") }
                index += 1
                return
            }
        }

        mutating func array(depth: Int) throws(Violation) {
            guard depth <= maxDepth else { throw syntax("nested deeper than \(maxDepth) levels") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            var position = 0
            while true {
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { throw syntax("a trailing comma") }
                path.append(.index(position))
                try value(depth: depth)
                path.removeLast()
                position += 1
                skipWhitespace()
                guard index < bytes.count else { throw syntax("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw syntax("expected ',' or ']'") }
                index += 1
                return
            }
        }

        /// Reads a string; returns its UTF-8 with escapes resolved (keys are compared that way, so
        /// `"a"` and `"\u0061"` are the same key).
        mutating func string() throws(Violation) -> [UInt8] {
            index += 1
            var result: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return result
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw syntax("unexpected end") }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escaped)
                    case UInt8(ascii: "b"): result.append(0x08)
                    case UInt8(ascii: "f"): result.append(0x0C)
                    case UInt8(ascii: "n"): result.append(0x0A)
                    case UInt8(ascii: "r"): result.append(0x0D)
                    case UInt8(ascii: "t"): result.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { throw syntax("a lone surrogate") }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw syntax("a lone surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw syntax("a lone surrogate")
                        }
                        result.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                    default: throw syntax("an invalid escape")
                    }
                case 0x00..<0x20:
                    throw syntax("a control character inside a string (escape it)")
                case 0x80...:
                    let length = try utf8Sequence()
                    result.append(contentsOf: bytes[index..<(index + length)])
                    index += length
                default:
                    result.append(byte)
                    index += 1
                }
            }
            throw syntax("an unterminated string")
        }

        /// The length of the well-formed UTF-8 sequence at `index` (RFC 3629: no overlong forms,
        /// no surrogates, nothing above U+10FFFF); JSON text is UTF-8 (RFC 8259 §8.1).
        func utf8Sequence() throws(Violation) -> Int {
            let lead = bytes[index]
            let length: Int
            var range: ClosedRange<UInt8> = 0x80...0xBF  // the allowed second byte
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                range = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                range = 0x80...0x9F
            case 0xF0:
                length = 4
                range = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                range = 0x80...0x8F
            default: throw syntax("invalid UTF-8")
            }
            guard index + length <= bytes.count, range.contains(bytes[index + 1]) else {
                throw syntax("invalid UTF-8")
            }
            for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
                throw syntax("invalid UTF-8")
            }
            return length
        }

        mutating func hex4() throws(Violation) -> UInt32 {
            guard index + 4 <= bytes.count else { throw syntax("unexpected end") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw syntax("an invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }

        mutating func number() throws(Violation) {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw syntax("unexpected end") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw syntax("an invalid number")
            }
            var integer = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integer = false
                index += 1
                guard digits() > 0 else { throw syntax("an invalid number") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integer = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits() > 0 else { throw syntax("an invalid number") }
            }
            // Every integer of the protocol fits in 64 bits; a longer one is named, not "invalid JSON".
            if integer, boundedIntegers, Int64(String(decoding: bytes[start..<index], as: UTF8.self)) == nil {
                let field = fieldName.isEmpty ? "the value" : "field '\(fieldName)'"
                throw Violation(code: .invalidField, message: "\(field) is out of range for a 64-bit integer")
            }
        }
    }
}

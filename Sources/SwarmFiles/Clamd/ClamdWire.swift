package import NIOCore

/// clamd's protocol without the socket: the commands' bytes, the framing of a stream, and what its answers
/// mean (clamd(8), "COMMANDS"). ``ClamdClient`` does the I/O.
///
/// The client speaks the `z` form of each command — `zPING\0`, `zINSTREAM\0` — to which clamd answers with
/// one reply ended by a NUL byte rather than a newline, so a reply is never confused with a line inside it.
/// `INSTREAM` is followed by the stream in chunks, each a 4-byte big-endian length and that many bytes, and
/// ended by a chunk of length zero; clamd then scans what it received and answers `stream: OK`,
/// `stream: NAME FOUND` or `… ERROR`.
package enum ClamdWire {
    /// The health check; clamd answers `PONG`.
    package static let ping: [UInt8] = Array("zPING\0".utf8)
    /// The start of a stream to scan.
    package static let instream: [UInt8] = Array("zINSTREAM\0".utf8)
    /// The end of the stream: a chunk of length zero.
    package static let end: [UInt8] = [0, 0, 0, 0]
    /// The longest reply read; clamd's are a line (a signature name is under 200 bytes).
    package static let maximumReplyLength = 4096

    /// The 4-byte big-endian length that precedes a chunk of `length` bytes (at most `UInt32.max`).
    package static func chunkHeader(length: Int) -> ByteBuffer {
        precondition(length > 0 && length <= Int(UInt32.max), "a chunk is 1 to UInt32.max bytes; 0 ends a stream")
        var header = ByteBuffer()
        header.writeInteger(UInt32(length), endianness: .big)
        return header
    }

    /// Collects the bytes of one reply until its terminating NUL.
    package struct ReplyReader: Sendable {
        private var bytes: [UInt8] = []

        package init() {}

        /// Adds bytes read; the reply, without its NUL, once it is complete (bytes after the NUL are ignored:
        /// a z-command has one reply). Throws ``ClamdError/Code/protocolError`` when a reply grows past
        /// ``ClamdWire/maximumReplyLength`` without ending.
        package mutating func append(_ buffer: ByteBuffer) throws(ClamdError) -> String? {
            let readable = buffer.readableBytesView
            if let nul = readable.firstIndex(of: 0) {
                bytes.append(contentsOf: readable[..<nul])
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(contentsOf: readable)
            guard bytes.count <= ClamdWire.maximumReplyLength else {
                throw ClamdError(
                    .protocolError, "clamd's answer has no end after \(ClamdWire.maximumReplyLength) bytes")
            }
            return nil
        }

        /// What was read of an unfinished reply, for an error message.
        package var partial: String { String(decoding: bytes.prefix(200), as: UTF8.self) }
    }

    /// The verdict in clamd's reply to `INSTREAM`, or the error it reports.
    package static func verdict(fromReply reply: String) throws(ClamdError) -> ScanVerdict {
        let text = reply.trimmingTrailingNewlines()
        if text.hasSuffix("size limit exceeded. ERROR") {
            throw ClamdError(
                .sizeLimitExceeded, "the stream is longer than clamd's StreamMaxLength (clamd: \(text))")
        }
        if text == "COMMAND READ TIMED OUT" {
            throw ClamdError(.timeout, "clamd stopped waiting for the stream (its ReadTimeout): \(text)")
        }
        if text.hasSuffix(" ERROR") {
            throw ClamdError(.scanFailed, "clamd could not scan the stream: \(text)")
        }
        if text == "UNKNOWN COMMAND" {
            throw ClamdError(.protocolError, "clamd does not know INSTREAM: \(text)")
        }
        if text.hasPrefix("stream: ") {
            let result = text.dropFirst("stream: ".count)
            if result == "OK" { return .clean }
            if result.hasSuffix(" FOUND") {
                let signature = result.dropLast(" FOUND".count)
                if !signature.isEmpty { return .found(signature: String(signature)) }
            }
        }
        throw ClamdError(.protocolError, "clamd's answer to INSTREAM is not one: '\(text)'")
    }

    /// Checks clamd's reply to `PING`.
    package static func checkPong(_ reply: String) throws(ClamdError) {
        let text = reply.trimmingTrailingNewlines()
        guard text == "PONG" else { throw ClamdError(.protocolError, "clamd answered PING with '\(text)', not PONG") }
    }
}

extension StringProtocol {
    /// The text without line breaks and spaces at its end (clamd's non-z replies end in a newline).
    fileprivate func trimmingTrailingNewlines() -> SubSequence {
        var text = self[...]
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text = text.dropLast() }
        return text
    }
}

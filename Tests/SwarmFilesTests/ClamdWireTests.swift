import NIOCore
import SwarmFiles
import Testing

/// clamd's protocol without a socket: framing and what its answers mean.
@Suite("clamd's protocol")
struct ClamdWireTests {
    @Test("a chunk's length is 4 bytes, big-endian")
    func chunkHeader() {
        #expect(Array(ClamdWire.chunkHeader(length: 1).readableBytesView) == [0, 0, 0, 1])
        #expect(Array(ClamdWire.chunkHeader(length: 0x0102_0304).readableBytesView) == [1, 2, 3, 4])
        #expect(ClamdWire.end == [0, 0, 0, 0])
        #expect(ClamdWire.instream == Array("zINSTREAM\0".utf8))
        #expect(ClamdWire.ping == Array("zPING\0".utf8))
    }

    @Test("the verdicts")
    func verdicts() throws {
        #expect(try ClamdWire.verdict(fromReply: "stream: OK") == .clean)
        #expect(try ClamdWire.verdict(fromReply: "stream: OK\n") == .clean)
        #expect(
            try ClamdWire.verdict(fromReply: "stream: Win.Test.EICAR_HDB-1 FOUND")
                == .found(signature: "Win.Test.EICAR_HDB-1"))
        #expect(
            try ClamdWire.verdict(fromReply: "stream: Swarm.Test.EICAR.UNOFFICIAL FOUND")
                == .found(signature: "Swarm.Test.EICAR.UNOFFICIAL"))
    }

    @Test(
        "the errors, each with its code",
        arguments: [
            ("INSTREAM size limit exceeded. ERROR", ClamdError.Code.sizeLimitExceeded),
            ("COMMAND READ TIMED OUT", .timeout),
            ("stream: Can't allocate memory ERROR", .scanFailed),
            ("Error processing command. ERROR", .scanFailed),
            ("UNKNOWN COMMAND", .protocolError),
            ("stream: FOUND", .protocolError),
            ("stream: ", .protocolError),
            ("PONG", .protocolError),
            ("", .protocolError),
            ("OK", .protocolError),
        ])
    func errors(reply: String, code: ClamdError.Code) {
        #expect(throws: ClamdError.self) { try ClamdWire.verdict(fromReply: reply) }
        do {
            _ = try ClamdWire.verdict(fromReply: reply)
        } catch {
            #expect(error.code == code, "\(reply): \(error)")
        }
    }

    @Test("PONG, and nothing else, answers PING")
    func pong() throws {
        try ClamdWire.checkPong("PONG")
        try ClamdWire.checkPong("PONG\n")
        #expect(throws: ClamdError.self) { try ClamdWire.checkPong("PANG") }
    }

    @Test("a reply is complete at its NUL, however it is split")
    func replyReader() throws {
        var reader = ClamdWire.ReplyReader()
        #expect(try reader.append(ByteBuffer(string: "stream: ")) == nil)
        #expect(try reader.append(ByteBuffer(string: "O")) == nil)
        #expect(reader.partial == "stream: O")
        #expect(try reader.append(ByteBuffer(bytes: Array("K".utf8) + [0] + Array("junk".utf8))) == "stream: OK")
    }

    @Test("a reply without an end is refused after 4 KiB")
    func replyTooLong() throws {
        var reader = ClamdWire.ReplyReader()
        #expect(try reader.append(ByteBuffer(repeating: 0x41, count: 4096)) == nil)
        do {
            _ = try reader.append(ByteBuffer(repeating: 0x41, count: 1))
            Issue.record("a reply of 4097 bytes was taken")
        } catch {
            #expect(error.code == .protocolError)
        }
    }
}

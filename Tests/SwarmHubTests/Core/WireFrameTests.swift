import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import SwarmHub

@Suite("Frames built once, header included")
struct WireFrameTests {
    /// The bytes NIO's own encoder writes for a text frame of `payload`, as the socket would get them.
    func encodedByNIO(_ payload: [UInt8]) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: payload)))
        var bytes: [UInt8] = []
        while let part = try channel.readOutbound(as: ByteBuffer.self) { bytes += part.readableBytesView }
        _ = try channel.finish()
        return bytes
    }

    @Test(
        "the frame is byte for byte what NIO's encoder writes, at every length encoding",
        arguments: [0, 1, 125, 126, 127, 1_000, 65_535, 65_536, 200_000])
    func sameAsNIO(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 % 94 + 33) }
        let frame = WireFrame(json: payload)
        #expect(Array(frame.bytes.readableBytesView) == (try encodedByNIO(payload)))
        #expect(Array(frame.payload.readableBytesView) == payload)
        #expect(frame.count == payload.count + (length < 126 ? 2 : length < 65_536 ? 4 : 10))
    }

    @Test("NIO's decoder reads it back as one unmasked final text frame")
    func decodes() throws {
        let text = #"{"type":"event","seq":7}"#
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder()))
        try channel.writeInbound(WireFrame(json: Array(text.utf8)).bytes)
        let frame = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(frame.fin && frame.opcode == .text && frame.maskKey == nil)
        #expect(String(buffer: frame.unmaskedData) == text)
        _ = try channel.finish()
    }

    @Test("a payload written in place is not copied: the header goes into the room kept before it")
    func writtenInPlace() {
        let frame = WireFrame(capacity: 5) { $0.writeString("hello") }
        #expect(Array(frame.bytes.readableBytesView) == [0x81, 5] + Array("hello".utf8))
        #expect(frame.bytes.readerIndex == 8, "10 bytes kept, 2 used")
    }
}

import NIOCore

/// A text frame as it goes on the wire: the WebSocket frame header (FIN, opcode text, no mask: a
/// server never masks, RFC 6455 §5.1–5.2) and the JSON payload, in one buffer.
///
/// A frame is built once, where its JSON is made, and the same storage is queued to every connection
/// it goes to. The outbox writes it below the WebSocket library's frame encoder, which would write a
/// separate header buffer for each frame on each connection (a shared buffer cannot take its header
/// in place) and walk the pipeline's outbound handlers for each (docs/performance.md, "CPU per
/// delivery").
struct WireFrame: Sendable {
    /// The frame's bytes, header first.
    let bytes: ByteBuffer
    /// The length of the header at the start of `bytes`: 2, 4 or 10.
    private let headerLength: Int

    /// The longest header of an unmasked frame: 2 bytes, then a 64-bit length.
    private static let maxHeaderLength = 10

    /// The frame of a JSON text.
    init(json: some Collection<UInt8>) {
        self.init(capacity: json.count) { $0.writeBytes(json) }
    }

    /// A frame whose payload `write` writes, about `capacity` bytes long; the header is put in front
    /// of it afterwards, in room kept for it, so the payload is never copied.
    init(capacity: Int, _ write: (inout ByteBuffer) -> Void) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.maxHeaderLength + capacity)
        buffer.moveWriterIndex(to: Self.maxHeaderLength)
        buffer.moveReaderIndex(to: Self.maxHeaderLength)
        write(&buffer)
        let length = buffer.readableBytes
        let headerLength = length < 126 ? 2 : length <= Int(UInt16.max) ? 4 : 10
        let start = Self.maxHeaderLength - headerLength
        buffer.setInteger(UInt8(0x81), at: start)  // FIN, opcode 1 (text)
        switch headerLength {
        case 2: buffer.setInteger(UInt8(length), at: start + 1)
        case 4:
            buffer.setInteger(UInt8(126), at: start + 1)
            buffer.setInteger(UInt16(length), at: start + 2)
        default:
            buffer.setInteger(UInt8(127), at: start + 1)
            buffer.setInteger(UInt64(length), at: start + 2)
        }
        buffer.moveReaderIndex(to: start)
        self.bytes = buffer
        self.headerLength = headerLength
    }

    /// The bytes the frame takes on the wire.
    var count: Int { bytes.readableBytes }

    /// The JSON payload, without the header.
    var payload: ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + headerLength, length: bytes.readableBytes - headerLength)!
    }
}

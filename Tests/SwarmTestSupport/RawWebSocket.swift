import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal WebSocket client on a plain blocking socket, for what a well-behaved client library
/// will not do: stop reading, or read only when told to. The upgrade and reads wait on a thread of
/// their own (``onOwnThread(_:)``), never on the cooperative pool; a socket is used by one task at a time.
public final class RawWebSocket: @unchecked Sendable {
    /// A frame read from the hub.
    public enum Frame: Equatable, Sendable {
        case text(String)
        case close(UInt16?)
    }

    private let fd: Int32

    /// Connects and upgrades; `receiveBuffer` shrinks the socket's receive buffer so backpressure
    /// reaches the hub sooner.
    public init(port: Int, token: String?, receiveBuffer: Int32? = nil, headers: [String] = []) async throws {
        signal(SIGPIPE, SIG_IGN)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("connect() failed") }
        var request = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        for header in headers { request += header + "\r\n" }
        request += "\r\n"
        try writeAll(Array(request.utf8))
        let status = try await onOwnThread { [self] in
            var header: [UInt8] = []
            while !header.ends(with: [13, 10, 13, 10]) {
                guard let byte = try readBytes(1).first else { throw TestFailure("connection closed during upgrade") }
                header.append(byte)
            }
            return String(decoding: header, as: UTF8.self)
        }
        guard status.hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused: \(status.prefix(40))") }
    }

    deinit { close(fd) }

    /// Sends a masked text frame.
    public func send(_ text: String) throws {
        try send(opcode: 0x1, Array(text.utf8))
    }

    /// Sends one frame with `opcode`; `masked: false` breaks RFC 6455 §5.1 on purpose.
    public func send(opcode: UInt8, _ payload: [UInt8], masked: Bool = true) throws {
        var frame: [UInt8] = [0x80 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        } else {
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xff) }
        }
        guard masked else {
            try writeAll(frame + payload)
            return
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try writeAll(frame)
    }

    /// Makes ``read()`` give up (returning `nil`) after `timeout` without a byte.
    public func setReadTimeout(_ timeout: Duration) {
        var value = timeval(
            tv_sec: Int(timeout.components.seconds),
            tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads the next frame; `nil` at end of stream.
    public func read() async throws -> Frame? {
        try await onOwnThread { try self.readBlocking() }
    }

    private func readBlocking() throws -> Frame? {
        let head = try readBytes(2)
        guard head.count == 2 else { return nil }
        let opcode = head[0] & 0x0f
        var length = Int(head[1] & 0x7f)
        if length == 126 {
            let ext = try readBytes(2)
            length = Int(ext[0]) << 8 | Int(ext[1])
        } else if length == 127 {
            length = try readBytes(8).reduce(0) { $0 << 8 | Int($1) }
        }
        let payload = try readBytes(length)
        guard payload.count == length else { return nil }
        switch opcode {
        case 0x8:
            return .close(payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil)
        case 0x1:
            return .text(String(decoding: payload, as: UTF8.self))
        default:
            return try readBlocking()  // ping/pong and others: skip
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw TestFailure("write failed") }
            offset += written
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var buffer = [UInt8](repeating: 0, count: min(max(count, 1), 65536))
        while result.count < count {
            let want = min(buffer.count, count - result.count)
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if got <= 0 { break }
            result += buffer[0..<got]
        }
        return result
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

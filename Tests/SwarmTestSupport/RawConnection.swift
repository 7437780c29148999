import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to the hub, for what no HTTP or WebSocket library will send: idle
/// sockets, a request one byte at a time, malformed requests. Reads wait on a thread of their own
/// (``onOwnThread(_:)``), never on the cooperative pool; a connection is used by one task at a time.
public final class RawConnection: @unchecked Sendable {
    public let fd: Int32

    /// Connects to `127.0.0.1:port`; with `blocking: false` the connect is not waited for, so many
    /// can be opened at once.
    public init(port: Int, blocking: Bool = true) throws {
        // A peer that closes while we write must be an error, not a SIGPIPE that ends the tests.
        signal(SIGPIPE, SIG_IGN)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        if !blocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 || (!blocking && errno == EINPROGRESS) else {
            let code = errno
            Glibc.close(fd)
            throw TestFailure("connect() failed: errno \(code)")
        }
    }

    deinit { Glibc.close(fd) }

    /// Writes all of `bytes`; returns false when the peer has closed (or the socket would block,
    /// for a non-blocking one).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Writes a string's UTF-8.
    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Reads until the peer closes or `timeout` passes; returns what was read and whether the
    /// peer closed.
    /// With `until`, stops as soon as what was read satisfies it.
    public func readUntilClosed(
        timeout: Duration, until done: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }
    ) async -> (bytes: [UInt8], closed: Bool) {
        (try? await onOwnThread { self.readUntilClosedBlocking(timeout: timeout, until: done) }) ?? ([], false)
    }

    private func readUntilClosedBlocking(timeout: Duration, until done: ([UInt8]) -> Bool) -> (
        bytes: [UInt8], closed: Bool
    ) {
        let deadline = ContinuousClock.now + timeout
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline, !done(result) {
            let left = deadline - ContinuousClock.now
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&poller, 1, ms) > 0 else { continue }
            let got = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if got == 0 { return (result, true) }
            if got < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return (result, true)  // reset by the peer: closed too
            }
            result += buffer[0..<got]
        }
        return (result, false)
    }

    /// Reads what arrives within `timeout` and returns it as text (the status line first); with
    /// `untilText`, stops once the text contains it.
    public func response(timeout: Duration, untilText: String? = nil) async -> (text: String, closed: Bool) {
        let (bytes, closed) = await readUntilClosed(timeout: timeout) { bytes in
            guard let untilText else { return false }
            return String(decoding: bytes, as: UTF8.self).contains(untilText)
        }
        return (String(decoding: bytes, as: UTF8.self), closed)
    }
}

/// Raises this process's open-file limit to its hard limit, for tests that open many sockets.
public func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur)
}

import CCurl
import Foundation
import NIOPosix
public import SwarmConfiguration

/// The SMTP relay the hub hands its mail to (`--smtp`): `smtp://host:port`, upgraded with STARTTLS
/// when the relay offers it, or `smtps://host:port` for TLS from the first byte; with a user and a
/// password when the relay wants them (`--smtp-credentials FILE`).
///
/// SMTP is libcurl's (Debian's libcurl, the same that swarm-mailgate posts with): its SMTP client does
/// the dialogue, the TLS and the authentication, so the hub writes none of it. libcurl's easy interface
/// blocks, so each message is sent on NIO's thread pool, never on the cooperative pool.
public struct SMTPRelay: Sendable {
    /// The relay.
    public let url: RelayURL
    public let credentials: RelayCredentials?
    /// A PEM file of the CA (or the certificate) a relay's TLS is checked against; the system's CAs when
    /// `nil`.
    public let caFile: String?
    /// How long one message may take, connecting included.
    public let timeout: Duration

    public init(
        url: RelayURL, credentials: RelayCredentials? = nil, caFile: String? = nil, timeout: Duration = .seconds(60)
    ) {
        self.url = url
        self.credentials = credentials
        self.caFile = caFile
        self.timeout = timeout
    }

    /// Hands one message to the relay for `recipients`, with `sender` as the envelope's `MAIL FROM`
    /// (an address, without a display name). Returns when the relay has taken it (its answer to the
    /// message's end was 2xx); throws ``RelayError`` with `.temporary` when trying again later may work
    /// (no connection, a timeout, a 4xx answer) and `.permanent` when it will not (a 5xx answer).
    public func send(_ message: [UInt8], from sender: String, to recipients: [String]) async throws(RelayError) {
        let result: Result<Void, RelayError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive {
                Result { () throws(RelayError) in try sendNow(message, from: sender, to: recipients) }
            }
        } catch {
            throw RelayError(.temporary, "the hub is shutting down")
        }
        try result.get()
    }

    /// Sends on the calling thread (blocking).
    private func sendNow(_ message: [UInt8], from sender: String, to recipients: [String]) throws(RelayError) {
        _ = Self.globalInit
        guard !recipients.isEmpty else { throw RelayError(.permanent, "a message needs a recipient") }
        for address in [sender] + recipients where !Self.isPlainAddress(address) {
            throw RelayError(.permanent, "'\(address)' is not an address the envelope can carry")
        }
        guard let curl = curl_easy_init() else { throw RelayError(.temporary, "libcurl could not start a transfer") }
        defer { curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for recipient in recipients { list = curl_slist_append(list, "<\(recipient)>") }
        defer { curl_slist_free_all(list) }
        let body = MessageBody(message)
        let context = Unmanaged.passRetained(body)
        defer { context.release() }
        var failures = 0
        func set(_ code: CURLcode) { if code != CURLE_OK { failures += 1 } }
        set(swarm_curl_set_string(curl, CURLOPT_URL, url.text))
        set(swarm_curl_set_long(curl, CURLOPT_NOSIGNAL, 1))
        set(swarm_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout.components.seconds * 1000)))
        set(
            swarm_curl_set_long(
                curl, CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, .seconds(15)).components.seconds * 1000)))
        // STARTTLS when the relay offers it; an smtps:// URL is TLS from the start regardless.
        set(swarm_curl_set_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue)))
        if let caFile { set(swarm_curl_set_string(curl, CURLOPT_CAINFO, caFile)) }
        if let credentials {
            set(swarm_curl_set_string(curl, CURLOPT_USERNAME, credentials.user))
            set(swarm_curl_set_string(curl, CURLOPT_PASSWORD, credentials.password))
        }
        set(swarm_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(sender)>"))
        set(swarm_curl_set_list(curl, CURLOPT_MAIL_RCPT, list))
        set(swarm_curl_set_long(curl, CURLOPT_UPLOAD, 1))
        set(swarm_curl_set_long(curl, CURLOPT_INFILESIZE_LARGE, message.count))
        set(swarm_curl_set_read_function(curl, readBody))
        set(swarm_curl_set_pointer(curl, CURLOPT_READDATA, context.toOpaque()))
        guard failures == 0 else { throw RelayError(.temporary, "libcurl refused an option (\(failures))") }
        let code = curl_easy_perform(curl)
        var reply = 0
        _ = swarm_curl_response_code(curl, &reply)
        guard code != CURLE_OK else { return }
        let reason = String(cString: curl_easy_strerror(code))
        // A 5xx answer will be the same next time; anything else (no connection, a timeout, 4xx, TLS
        // trouble that an operator may fix) is worth another try.
        if (500...599).contains(reply) {
            throw RelayError(.permanent, "the relay refused the message: \(reply) (\(reason))", reply: reply)
        }
        throw RelayError(.temporary, reply > 0 ? "the relay answered \(reply) (\(reason))" : reason, reply: reply)
    }

    /// `local@domain` with nothing an SMTP envelope could not carry as it is.
    static func isPlainAddress(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard (3...254).contains(bytes.count), let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0,
            at < bytes.count - 1
        else { return false }
        return bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
}

/// The message as libcurl reads it, in pieces.
private final class MessageBody {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// libcurl's read callback: copies the next piece of the message into its buffer.
private func readBody(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let context else { return 0 }
    let body = Unmanaged<MessageBody>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, body.bytes.count - body.offset)
    guard length > 0 else { return 0 }
    body.bytes.withUnsafeBytes { source in
        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + body.offset, byteCount: length)
    }
    body.offset += length
    return length
}

/// Why a message did not reach the relay: `temporary` when trying again later may work, `permanent`
/// when it will not.
public struct RelayError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case temporary, permanent
    }

    public var kind: Kind
    public var message: String
    /// The relay's last SMTP reply code, when it answered.
    public var reply: Int?

    public init(_ kind: Kind, _ message: String, reply: Int? = nil) {
        self.kind = kind
        self.message = message
        self.reply = reply
    }

    public var description: String { message }
}

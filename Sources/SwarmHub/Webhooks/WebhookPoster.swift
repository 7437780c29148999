import CCurl
import Foundation
import NIOPosix

/// Posts one delivery to a hook's receiver over HTTP or HTTPS, through libcurl (as ``SMTPRelay`` sends
/// mail): no redirects followed, no other protocol, bounded in time. libcurl's easy interface blocks,
/// so each post runs on NIO's thread pool, never on the cooperative pool.
struct WebhookPoster: Sendable {
    /// How long one post may take, connecting included.
    var timeout: Duration = .seconds(10)
    /// How long connecting may take.
    var connectTimeout: Duration = .seconds(5)

    /// Posts `body` with `headers` (`Name: value` lines) to `url`. Returns when the receiver answered
    /// 2xx; throws ``RelayError`` with `.permanent` for an answer that will be the same next time (400,
    /// 410, 413, 422: the body or the hook is refused for good), `.temporary` for anything else — no
    /// connection, a timeout, 5xx, 429, and also 401, 403 and 404, which an operator fixes by correcting
    /// the receiver or the secret while the deliveries wait.
    func post(_ body: [UInt8], to url: String, headers: [String]) async throws(RelayError) {
        let result: Result<Void, RelayError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive {
                Result { () throws(RelayError) in try postNow(body, to: url, headers: headers) }
            }
        } catch {
            throw RelayError(.temporary, "the hub is shutting down")
        }
        try result.get()
    }

    /// The answers that will not change by trying again.
    static let permanentStatuses: Set<Int> = [400, 410, 413, 422]

    /// Posts on the calling thread (blocking).
    private func postNow(_ body: [UInt8], to url: String, headers: [String]) throws(RelayError) {
        _ = Self.globalInit
        guard let curl = curl_easy_init() else { throw RelayError(.temporary, "libcurl could not start a transfer") }
        defer { curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        // `Expect:` off: libcurl would wait a second for a `100 Continue` before a larger body.
        for header in headers + ["Content-Type: application/json", "Expect:"] {
            list = curl_slist_append(list, header)
        }
        defer { curl_slist_free_all(list) }
        let answer = Answer()
        let context = Unmanaged.passRetained(answer)
        defer { context.release() }
        var failures = 0
        func set(_ code: CURLcode) { if code != CURLE_OK { failures += 1 } }
        set(swarm_curl_set_string(curl, CURLOPT_URL, url))
        set(swarm_curl_set_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(swarm_curl_set_long(curl, CURLOPT_NOSIGNAL, 1))
        set(swarm_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds)))
        set(swarm_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.milliseconds)))
        set(swarm_curl_set_string(curl, CURLOPT_USERAGENT, "swarmd"))
        set(swarm_curl_set_long(curl, CURLOPT_POST, 1))
        set(swarm_curl_set_long(curl, CURLOPT_POSTFIELDSIZE_LARGE, body.count))
        set(swarm_curl_set_list(curl, CURLOPT_HTTPHEADER, list))
        set(swarm_curl_set_write_function(curl, keepAnswer))
        set(swarm_curl_set_pointer(curl, CURLOPT_WRITEDATA, context.toOpaque()))
        guard failures == 0 else { throw RelayError(.temporary, "libcurl refused an option (\(failures))") }
        let code = body.withUnsafeBytes { bytes in
            // libcurl reads the body from this buffer during the transfer, and only then.
            _ = swarm_curl_set_bytes(curl, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
            return curl_easy_perform(curl)
        }
        var status = 0
        _ = swarm_curl_response_code(curl, &status)
        guard code == CURLE_OK else {
            throw RelayError(.temporary, String(cString: curl_easy_strerror(code)), reply: status > 0 ? status : nil)
        }
        guard !(200...299).contains(status) else { return }
        // What the receiver said, shortened: Slack answers `invalid_payload`, `channel_is_archived`, ….
        let said = String(decoding: answer.bytes, as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        let message = "the receiver answered \(status)" + (said.isEmpty ? "" : ": \(said.prefix(200))")
        throw RelayError(Self.permanentStatuses.contains(status) ? .permanent : .temporary, message, reply: status)
    }

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
}

/// The start of the receiver's answer, kept for the error of a refused delivery.
private final class Answer {
    var bytes: [UInt8] = []
}

/// libcurl's write callback: keeps the first 512 bytes of the answer and takes the rest without keeping it.
private func keepAnswer(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let context else { return length }
    let answer = Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue()
    let room = max(0, 512 - answer.bytes.count)
    if room > 0 {
        answer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(room, length)))
    }
    return length
}

public import Foundation

#if canImport(FoundationNetworking)
    public import FoundationNetworking
#endif

/// HTTP as a test must see it: a redirect is an answer to look at (its `Location`), never followed, and no
/// cookie is kept or sent unless the test sets the header. For the sign-in flows, where a 302 carries the
/// authorization code or the error.
///
/// On Linux only a delegate given to the `URLSession` itself is asked about redirects (the `delegate:` of
/// `data(for:delegate:)` is not), so the session here is one with its own delegate.
public enum PlainHTTP {
    /// An answer as the server sent it.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// The header fields, names in lower case.
        public var headers: [String: String]
        /// The body.
        public var body: Data

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The `Location` header as a URL (relative ones resolved against `base`), if there is one.
        public func location(relativeTo base: URL? = nil) -> URL? {
            headers["location"].flatMap { URL(string: $0, relativeTo: base)?.absoluteURL }
        }

        /// The body as a JSON object.
        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TestFailure("not a JSON object (\(status)): \(text)")
            }
            return object
        }
    }

    /// Refuses every redirect, so the 3xx itself is the answer.
    private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        configuration.timeoutIntervalForRequest = 30
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()

    /// Sends `request` and returns the answer, a redirect included.
    public static func send(_ request: URLRequest) async throws -> Response {
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response") }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return Response(status: http.statusCode, headers: headers, body: data)
    }

    /// `GET url`.
    public static func get(_ url: URL, headers: [String: String] = [:]) async throws -> Response {
        var request = URLRequest(url: url)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    /// `POST url` with `fields` as `application/x-www-form-urlencoded`, in their order.
    public static func postForm(
        _ url: URL, _ fields: [(String, String)], headers: [String: String] = [:]
    ) async throws -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(formEncoded(fields).utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    /// `method url` with `object` as its JSON body.
    public static func sendJSON(
        _ method: String, _ url: URL, _ object: Any, headers: [String: String] = [:]
    ) async throws -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    /// `name=value&…`, every byte but the unreserved ones (RFC 3986) percent-encoded.
    public static func formEncoded(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// `value` with every byte but the unreserved ones (RFC 3986 2.3) percent-encoded.
    public static func percentEncoded(_ value: String) -> String {
        var unreserved = CharacterSet(charactersIn: "-._~")
        unreserved.formUnion(CharacterSet(charactersIn: "a"..."z"))
        unreserved.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        unreserved.formUnion(CharacterSet(charactersIn: "0"..."9"))
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// The `Authorization` value of HTTP Basic for a client (RFC 6749 2.3.1: both parts form-encoded first).
    public static func basicAuthorization(user: String, password: String) -> String {
        "Basic " + Data("\(percentEncoded(user)):\(percentEncoded(password))".utf8).base64EncodedString()
    }
}

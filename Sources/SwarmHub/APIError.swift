import Foundation
public import Hummingbird
public import SwarmProtocol

/// A REST error: an HTTP status and the body `{"error": {"code": …, "message": …}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public init(_ error: HubError) {
        self.init(error.code, error.message)
    }

    /// The HTTP status of each wire code.
    public var status: HTTPResponse.Status {
        switch code {
        case .badFrame, .unknownType, .invalidField: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .rateLimited: .tooManyRequests
        case .tooLarge: .contentTooLarge
        case .internal: .internalServerError
        }
    }

    private struct Body: Encodable {
        struct Inner: Encodable {
            var code: ErrorCode
            var message: String
        }
        var error: Inner
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try SwarmJSON.encoder().encode(Body(error: .init(code: code, message: message)))
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

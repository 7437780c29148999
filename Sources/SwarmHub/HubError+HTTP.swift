public import Hummingbird
import SwarmProtocol

/// The one HTTP error of the hub: a ``HubError`` thrown by a REST handler, the authentication
/// middleware or the WebSocket upgrade is answered with the status of its wire code and the body
/// `{"error":{"code","message"}}` (Protocol/README.md §17, §20).
extension HubError: HTTPResponseError {
    /// The HTTP status of each wire code.
    public var status: HTTPResponse.Status {
        switch code {
        case .badFrame, .unknownType, .invalidField: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict, .epochChanged: .conflict
        case .rateLimited: .tooManyRequests
        case .tooLarge: .contentTooLarge
        case .infected: .unprocessableContent
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    /// The error body, encoded by the context's encoder; a 401 says which scheme to use.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(
            RestError(code: code, message: message), from: request, context: context)
        response.status = status
        if code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        // An answer about someone's request is theirs alone: no shared or browser cache keeps it.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

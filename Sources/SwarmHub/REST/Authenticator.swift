import Foundation
import Hummingbird
import Logging
import SwarmProtocol
import SwarmStore

/// Authentication, once per request: the token of an `Authorization: Bearer` header is looked up in
/// the store and, when valid, put in the request context (``HubRequestContext/token``) for the handlers
/// of the REST API and the WebSocket upgrade.
///
/// A malformed header, or a token that is unknown or revoked, is refused here with `unauthorized`
/// (and the refusal logged as a failed login); a request without the header passes on without a
/// token: REST handlers then answer 401 (``HubRequestContext/requirePrincipal()``), while a WebSocket
/// may still sign in with `hello`.
///
/// Every answer under `/v1` carries `Cache-Control: no-store`: it is about one principal's tickets,
/// and no proxy or browser cache may keep it for the next person (errors get it from ``HubError``).
struct Authenticator: RouterMiddleware {
    let store: any TokenStore
    let limits: PrincipalLimits
    let logger: Logger

    func handle(
        _ request: Request, context: HubRequestContext,
        next: (Request, HubRequestContext) async throws -> Response
    ) async throws -> Response {
        var response: Response
        if let secret = try bearerToken(request) {
            guard let token = try await store.authenticate(secret: secret) else {
                logFailedLogin(logger, remote: context.channel.remoteAddress, path: request.uri.path)
                throw HubError(.unauthorized, "unknown or revoked token")
            }
            do {
                try limits.admitRequest(of: token.name)
            } catch {
                throw error.error
            }
            // A mail system's token delivers mail and reaches nothing else.
            if token.role == .mailgate, request.method != .post || request.uri.path != "/v1/mail" {
                throw HubError(.forbidden, "a mailgate token only delivers mail (POST /v1/mail)")
            }
            var context = context
            context.token = token
            response = try await next(request, context)
        } else {
            response = try await next(request, context)
        }
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// The token of an `Authorization: Bearer …` header, `nil` when there is no such header.
func bearerToken(_ request: Request) throws(HubError) -> String? {
    guard let value = request.headers[.authorization] else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
        throw HubError(.unauthorized, "the Authorization header must be 'Bearer <token>'")
    }
    return String(parts[1]).trimmingCharacters(in: .whitespaces)
}

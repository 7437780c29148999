import Foundation
import Hummingbird
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
struct Authenticator: RouterMiddleware {
    let services: HubServices

    func handle(
        _ request: Request, context: HubRequestContext,
        next: (Request, HubRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let secret = try bearerToken(request) else { return try await next(request, context) }
        guard let token = try await services.store.authenticate(secret: secret) else {
            logFailedLogin(services, remote: context.channel.remoteAddress, path: request.uri.path)
            throw HubError(.unauthorized, "unknown or revoked token")
        }
        var context = context
        context.token = token
        return try await next(request, context)
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

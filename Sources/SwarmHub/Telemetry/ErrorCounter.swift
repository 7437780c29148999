import Hummingbird
import SwarmProtocol

/// Counts the REST API's error answers by wire code in `swarm_errors_total`, beside the WebSocket
/// error frames: a `HubError` a handler or the ``Authenticator`` throws passes here on its way to
/// becoming the response (``HubError`` as `HTTPResponseError`).
struct ErrorCounter: RouterMiddleware {
    let telemetry: HubTelemetry

    func handle(
        _ request: Request, context: HubRequestContext,
        next: (Request, HubRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HubError {
            telemetry.error(error.code)
            throw error
        }
    }
}

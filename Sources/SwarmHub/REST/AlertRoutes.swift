import Foundation
import Hummingbird
import SwarmCore
import SwarmProtocol

/// `/v1/alerts`: Prometheus Alertmanager's webhook (version 4). Bearer auth, like the rest of the
/// REST API; docs/monitoring.md shows the receiver configuration.
struct AlertRoutes {
    let services: HubServices

    /// The largest payload accepted: 16 × the frame size limit (1 MiB by default), since one group
    /// may carry many alerts.
    var bodyLimit: Int { services.configuration.maxFrameSize * 16 }

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.post(use: receive)
        routes.allow([.post])
        return routes
    }

    /// `POST /v1/alerts`: one command per alert, every alert checked before the first is submitted.
    @Sendable func receive(_ request: Request, context: HubRequestContext) async throws
        -> AlertOutcomes
    {
        let principal = try context.requirePrincipal()
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bodyLimit)
        } catch {
            throw HubError(.tooLarge, "the body is larger than \(bodyLimit) bytes")
        }
        let payload: AlertmanagerWebhook
        do {
            payload = try JSONDecoder().decode(
                AlertmanagerWebhook.self, from: Data(buffer.readableBytesView))
        } catch {
            throw RequestBody.refusal(error)
        }
        // Every alert is checked before the first is submitted: a bad payload changes nothing.
        let items = try payload.commands(rules: services.configuration.swarm.alerts)
        var outcomes: [AlertOutcomes.Outcome] = []
        for item in items {
            let result = await services.ledger.submit(item.command, by: principal, id: nil)
            // An internal failure (the log could not be written) is worth a retry: Alertmanager
            // retries on 5xx, and a repeated alert only counts once more.
            if case .failure(let error) = result, error.code == .internal { throw error }
            outcomes.append(Self.outcome(item, result))
        }
        return AlertOutcomes(alerts: outcomes)
    }

    /// What happened to one alert.
    static func outcome(_ item: AlertmanagerWebhook.Item, _ result: Result<Ack, HubError>)
        -> AlertOutcomes.Outcome
    {
        var outcome = AlertOutcomes.Outcome(
            dedupKey: item.key, status: item.firing ? "firing" : "resolved")
        switch result {
        case .success(let ack):
            outcome.ticket = ack.ticket
            outcome.repeated = ack.repeated
            outcome.unknown = ack.unknown
        case .failure(let failure):
            outcome.error = RestError.Detail(code: failure.code, message: failure.message)
        }
        return outcome
    }
}

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

    /// `POST /v1/alerts`: one command per alert, applied whole or not at all. Every alert is checked,
    /// and then decided in order against a copy of the committed state, before the first is
    /// submitted: a payload with any alert the hub would refuse is refused whole (400/403/404/409,
    /// naming the alert), and nothing of it is applied. Should the state change between that check
    /// and the commits so that a later alert is refused after earlier ones were applied (a race with
    /// another writer), the answer is 503 with `Retry-After` and the outcome of each alert, and
    /// Alertmanager sends the group again: the alerts already applied then count as repeats.
    @Sendable func receive(_ request: Request, context: HubRequestContext) async throws
        -> EditedResponse<AlertOutcomes>
    {
        let principal = try context.requirePrincipal()
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bodyLimit)
        } catch {
            throw HubError(.tooLarge, "the body is larger than \(bodyLimit) bytes")
        }
        // Strict JSON first (duplicate keys, depth, …), as for every REST body.
        let payload: AlertmanagerWebhook = try RequestBody.decode(buffer.readableBytesView)
        let items = try payload.commands(rules: services.configuration.swarm.alerts)
        try dryRun(items, by: principal)
        var outcomes: [AlertOutcomes.Outcome] = []
        var refused = false
        for item in items {
            let result = await services.ledger.submit(item.command, by: principal, id: nil)
            // An internal failure (the log could not be written) is worth a retry: Alertmanager
            // retries on 5xx, and a repeated alert only counts once more.
            if case .failure(let error) = result {
                if error.code == .internal && outcomes.isEmpty { throw error }
                refused = true
            }
            outcomes.append(Self.outcome(item, result))
        }
        let body = AlertOutcomes(alerts: outcomes)
        guard refused else { return EditedResponse(status: .ok, response: body) }
        return EditedResponse(status: .serviceUnavailable, headers: [.retryAfter: "5"], response: body)
    }

    /// Decides every alert in order on a copy of the committed state, as the ledger will: the first
    /// refusal refuses the request, naming the alert.
    private func dryRun(_ items: [AlertmanagerWebhook.Item], by principal: Principal) throws(HubError) {
        var state = services.ledger.snapshot.state
        let now = services.clock()
        for (index, item) in items.enumerated() {
            do {
                for event in try state.decide(
                    item.command, by: principal, at: now, settings: services.configuration.swarm)
                {
                    state.apply(event)
                }
            } catch {
                let refusal = HubError(error)
                throw HubError(
                    refusal.code,
                    "alerts[\(index)] (\(item.key)): \(refusal.message); no alert of this request was applied")
            }
        }
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

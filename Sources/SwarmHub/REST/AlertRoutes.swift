import Foundation
import Hummingbird
import SwarmConfiguration
import SwarmCore
import SwarmProtocol

/// `/v1/alerts`: Prometheus Alertmanager's webhook (version 4). Bearer auth, like the rest of the
/// REST API; docs/monitoring.md shows the receiver configuration.
struct AlertRoutes {
    let ledger: Ledger
    let clock: HubClock
    /// The swarm settings: the alert rules, and what a dry run decides with.
    let settings: SwarmSettings
    let maxFrameSize: Int

    /// The largest payload accepted: 16 × the frame size limit (1 MiB by default), since one group
    /// may carry many alerts.
    var bodyLimit: Int { maxFrameSize * 16 }

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
    /// another writer), the answer is 500 naming what was applied and what was refused, and
    /// Alertmanager sends the group again: the alerts already applied then count as repeats.
    @Sendable func receive(_ request: Request, context: HubRequestContext) async throws -> AlertOutcomes {
        let principal = try context.requirePrincipal()
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bodyLimit)
        } catch {
            throw HubError(.tooLarge, "the body is larger than \(bodyLimit) bytes")
        }
        // Strict JSON first (duplicate keys, depth, …), as for every REST body.
        // Alertmanager may add fields the hub does not read: a large number in one of them is no reason
        // to refuse the alerts.
        let payload: AlertmanagerWebhook = try RequestBody.decode(buffer.readableBytesView, boundedIntegers: false)
        let items = try payload.commands(rules: settings.alerts)
        try dryRun(items, by: principal)
        var outcomes: [AlertOutcomes.Outcome] = []
        for item in items {
            let result = await ledger.submit(item.command, by: principal, id: nil)
            if case .failure(let error) = result {
                // An internal failure (the log could not be written) before anything was applied is
                // worth a retry as it is; a refusal after earlier alerts were applied (the state changed
                // since the dry run) is told alert by alert, as a 500 that Alertmanager retries.
                guard outcomes.isEmpty else {
                    let applied = outcomes.enumerated().map {
                        "alerts[\($0.offset)] applied (\($0.element.ticket ?? "-"))"
                    }
                    throw HubError(
                        .internal,
                        "the hub's state changed while the alerts were applied: "
                            + applied.joined(separator: ", ")
                            + ", alerts[\(outcomes.count)] refused (\(error.message)); send the group again "
                            + "(the applied ones then count as repeats)")
                }
                if error.code == .internal { throw error }
                throw HubError(
                    error.code, "alerts[0] (\(item.key)): \(error.message); no alert of this request was applied")
            }
            outcomes.append(Self.outcome(item, result))
        }
        return AlertOutcomes(alerts: outcomes)
    }

    /// Decides every alert in order on a copy of the committed state, as the ledger will: the first
    /// refusal refuses the request, naming the alert.
    private func dryRun(_ items: [AlertmanagerWebhook.Item], by principal: Principal) throws(HubError) {
        var state = ledger.snapshot.state
        let now = clock()
        for (index, item) in items.enumerated() {
            do {
                for event in try state.decide(
                    item.command, by: principal, at: now, settings: settings)
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

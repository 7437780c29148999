import Foundation
import Hummingbird
import SwarmCore
import SwarmProtocol

/// `POST /v1/alerts`: Prometheus Alertmanager's webhook (version 4). Bearer auth, like the rest of
/// the REST API; docs/monitoring.md shows the receiver configuration.
enum AlertRoutes {
    /// The largest payload accepted: 16 × the frame size limit (1 MiB by default), since one group
    /// may carry many alerts.
    static func bodyLimit(_ services: HubServices) -> Int { services.configuration.maxFrameSize * 16 }

    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        router.post("/v1/alerts") { request, context in
            let principal = try await RestRoutes.authenticate(request, context, services)
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: bodyLimit(services))
            } catch {
                throw APIError(.tooLarge, "the body is larger than \(bodyLimit(services)) bytes")
            }
            let payload: AlertmanagerWebhook
            do {
                payload = try JSONDecoder().decode(AlertmanagerWebhook.self, from: Data(buffer.readableBytesView))
            } catch let error as DecodingError {
                throw APIError(.invalidField, error.fieldMessage)
            }
            // Every alert is checked before the first is submitted: a bad payload changes nothing.
            let items: [AlertmanagerWebhook.Item]
            do throws(HubError) {
                items = try payload.commands(rules: services.configuration.swarm.alerts)
            } catch {
                throw APIError(error)
            }
            var results: [Outcome] = []
            for item in items {
                let result = await services.ledger.submit(item.command, by: principal, id: nil)
                results.append(Outcome(item, result))
            }
            // An internal failure (the log could not be written) is worth a retry: Alertmanager
            // retries on 5xx, and a repeated alert only counts once more.
            if let failed = results.first(where: { $0.error?.code == .internal }) {
                throw APIError(.internal, failed.error?.message ?? "internal error")
            }
            return RestRoutes.json(Answer(alerts: results))
        }
    }

    /// What happened to one alert.
    struct Outcome: Encodable {
        var dedupKey: String
        var status: String
        var ticket: String?
        var repeated: Bool?
        var unknown: Bool?
        var error: ErrorBody?

        struct ErrorBody: Encodable {
            var code: ErrorCode
            var message: String
        }

        init(_ item: AlertmanagerWebhook.Item, _ result: Result<Ack, HubError>) {
            dedupKey = item.key
            status = item.firing ? "firing" : "resolved"
            switch result {
            case .success(let ack):
                ticket = ack.ticket
                repeated = ack.repeated
                unknown = ack.unknown
            case .failure(let failure):
                error = ErrorBody(code: failure.code, message: failure.message)
            }
        }
    }

    struct Answer: Encodable {
        var alerts: [Outcome]
    }
}

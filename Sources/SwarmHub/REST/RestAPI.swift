public import Hummingbird
import Logging
import SwarmConfiguration
import SwarmCore
import SwarmFiles
import SwarmMail
public import SwarmProtocol
import SwarmStore

/// The REST API (Protocol/openapi.yaml): `/health`, and under `/v1` one route collection per
/// resource behind the ``Authenticator``. Handlers return the answer types of SwarmProtocol, encoded
/// by the context's encoder; every error is a ``HubError``.
enum RestAPI {
    /// Mounts the API on `router`: each route collection is given what it uses, nothing more.
    ///
    /// - Parameters:
    ///   - authenticator: the `/v1` routes' authentication (``Authenticator``).
    ///   - settings: the swarm's settings, for the skill catalog and the alert mapping.
    ///   - maxBodySize: the longest request body, as the longest WebSocket frame.
    ///   - mailDomains: the domains whose addresses staff may open tickets for.
    ///   - signatureImageSize: inline images in mail smaller than this are a signature's, not kept.
    static func add(
        to router: Router<HubRequestContext>, authenticator: Authenticator, ledger: Ledger, store: any EventStore,
        limits: PrincipalLimits, clock: @escaping HubClock, settings: SwarmSettings, maxBodySize maxBody: Int,
        mailDomains: [String] = [], mailIdentity: HubMailIdentity = unnamedMailIdentity,
        signatureImageSize: Int = 16 * 1024, sniffer: MediaSniffer, scanner: AttachmentScanner? = nil,
        telemetry: HubTelemetry, logger: Logger
    ) {
        router.addRoutes(HealthRoutes(store: store, ledger: ledger).routes, atPath: "/health")
        let v1 = router.group("/v1").add(middleware: authenticator)
        v1.addRoutes(
            TicketRoutes(
                ledger: ledger, store: store, limits: limits,
                requesters: RequesterCheck(tokens: store, mailDomains: mailDomains), maxBodySize: maxBody,
                settings: settings, clock: clock
            ).routes, atPath: "/tickets")
        let intake = AttachmentIntake(
            store: store, maxFileSize: Int64(settings.attachmentMaxFile), scanner: scanner, sniffer: sniffer,
            clock: clock)
        v1.addRoutes(
            AttachmentUploadRoutes(ledger: ledger, intake: intake, limits: limits, settings: settings, clock: clock)
                .routes, atPath: "/tickets")
        v1.addRoutes(AttachmentRoutes(ledger: ledger, store: store).routes, atPath: "/attachments")
        v1.addRoutes(
            LimitsRoutes(
                limits: HubLimits(
                    attachmentMaxFile: settings.attachmentMaxFile, attachmentMaxTicket: settings.attachmentMaxTicket,
                    maxFrameSize: maxBody)
            ).routes, atPath: "/limits")
        v1.addRoutes(
            AgentRoutes(ledger: ledger, mailOut: mailIdentity != unnamedMailIdentity).routes, atPath: "/agents")
        v1.addRoutes(SkillRoutes(ledger: ledger, taxonomy: settings.taxonomy).routes, atPath: "/skills")
        v1.addRoutes(KnowledgeRoutes(ledger: ledger, store: store, maxBodySize: maxBody).routes, atPath: "/kb")
        v1.addRoutes(MetricsRoutes(ledger: ledger, clock: clock).routes, atPath: "/metrics")
        v1.addRoutes(
            AlertRoutes(ledger: ledger, clock: clock, settings: settings, maxFrameSize: maxBody).routes,
            atPath: "/alerts")
        v1.addRoutes(
            MailRoutes(
                ledger: ledger, requesters: RequesterCheck(tokens: store, mailDomains: mailDomains),
                settings: settings, identity: mailIdentity, maxMessageSize: MailRoutes.defaultMaxMessageSize,
                intake: intake,
                signatureImageSize: signatureImageSize, telemetry: telemetry, logger: logger
            ).routes, atPath: "/mail")
    }

    /// The hub's mail identity when it sends no mail (no `--mail-from`): no Message-ID of its ends in
    /// this domain, so only `[T-42]` in a subject finds a ticket.
    static let unnamedMailIdentity = HubMailIdentity(domain: "swarmd.invalid", address: "swarmd@swarmd.invalid")
}

// The answers of the REST API, declared in SwarmProtocol for the Swift client too.
extension Health: ResponseEncodable {}
extension TicketList: ResponseEncodable {}
extension NextTicketAnswer: ResponseEncodable {}
extension TicketDetail: ResponseEncodable {}
extension CommentPage: ResponseEncodable {}
extension EventPage: ResponseEncodable {}
extension OpenedTicket: ResponseEncodable {}
extension CandidateList: ResponseEncodable {}
extension AgentList: ResponseEncodable {}
extension NotifyAnswer: ResponseEncodable {}
extension AttachedFile: ResponseEncodable {}
extension HubLimits: ResponseEncodable {}
extension SkillCatalog: ResponseEncodable {}
extension ArticleList: ResponseEncodable {}
extension Article: ResponseEncodable {}
extension MetricsReport: ResponseEncodable {}
extension AlertOutcomes: ResponseEncodable {}
extension MailOutcome: ResponseEncodable {}
extension RestError: ResponseEncodable {}

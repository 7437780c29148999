public import SwarmCore
package import SwarmFiles
public import SwarmProtocol

/// Everything a hub needs to know to run. The initial values are the defaults (the taxonomy is given:
/// the shipped one is a resource of SwarmHub, whose `HubConfiguration()` picks it); each field is set
/// from outside through its ``Setting`` (``Settings/all``: the flag and configuration-file key of the
/// same name in kebab-case, with the accepted values and the operators' help; docs/operations.md).
public struct HubConfiguration: Sendable {
    /// Address to listen on. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free one. Default 8080.
    public var port = 8080
    /// Largest accepted WebSocket frame or REST body, in bytes. Default 64 KiB.
    public var maxFrameSize = ProtocolInfo.defaultMaxFrameSize
    /// Frames that may wait for one slow connection before it is closed with 4008. Default 4096.
    public var outboundQueueLimit = 4096
    /// Bytes that may wait for one slow connection before it is closed with 4008. Default 8 MiB.
    public var outboundQueueBytes = 8 << 20
    /// Channels one connection may be subscribed to at once; a `subscribe` beyond it gets
    /// `error too_large`. Default 1000.
    public var maxSubscriptions = 1000
    /// How long a new TCP connection may take to send its first request head (request line and
    /// headers, the WebSocket upgrade included) before it is dropped. Default 5 s.
    public var requestHeadTimeout: Duration = .seconds(5)
    /// Largest request head (request line and headers) in bytes; a longer one is answered 431 and
    /// closed. Default 32 KiB.
    public var maxRequestHead = 32 * 1024
    /// How long an HTTP (not WebSocket) connection may stay without reading a byte, between
    /// requests or inside one (a body shorter than its Content-Length), before it is closed.
    /// Default 30 s.
    public var httpIdleTimeout: Duration = .seconds(30)
    /// How often the hub looks for revoked tokens, to close their open connections with 4003.
    /// Default 500 ms.
    public var revocationPoll: Duration = .milliseconds(500)
    /// Browser origins (`https://desk.example.com`) allowed to open a WebSocket besides the hub's
    /// own (an `Origin` whose host is the request's `Host`). Clients that send no `Origin` header
    /// (terminals, scripts) are always allowed. Default: none.
    public var allowedOrigins: [String] = []
    /// Mail domains (lower case, `example.com`) whose addresses may be a ticket's requester: staff
    /// open tickets for `rita@example.com` only when `example.com` is listed (exactly; subdomains are
    /// not included). Default: none.
    public var mailDomains: [String] = []
    /// Inline images in incoming mail smaller than this many bytes are taken for a signature's logos and
    /// icons: dropped, not attached (docs/mail.md, "Files in"); 0 drops none. Default 16 KiB: signature
    /// pictures are a few KiB, a screenshot of even a small dialog tens.
    public var mailSignatureImageSize = 16 * 1024
    /// Commands per second one connection may send, on average. Default 100.
    public var commandRate = 100.0
    /// Commands one connection may send in a burst above the rate. Default 200.
    public var commandBurst = 200.0
    /// Connections one token may have open at once; a sign-in beyond it is refused. Default 32.
    public var connectionsPerToken = 32
    /// Command frames and REST requests per second one principal (a token's name) may send, across
    /// all its connections and the REST API, on average. Default 500.
    public var principalRate = 500.0
    /// What one principal may send at once above ``principalRate``. Default 1000.
    public var principalBurst = 1000.0
    /// Bytes of text (titles, descriptions, comments) a requester may write per hour. Default 1 MiB.
    public var requesterBytesPerHour = 1 << 20
    /// Bytes of text a requester may have on one ticket (its description and her comments). Default 5 MiB.
    public var requesterBytesPerTicket = 5 << 20
    /// The ClamAV daemon every upload is scanned by before it is attached (`--clamd`). Default: none,
    /// nothing is scanned.
    package var clamd: ClamdAddress? = nil
    /// How long an upload waits for an unreachable clamd before it is refused (`--clamd-wait`); zero
    /// refuses at once. Never stored unscanned. Default 30 s.
    public var clamdWait: Duration = .seconds(30)
    /// Refused frames, with no second's pause between two of them, after which the connection is
    /// closed with 4029 (``RateLimiter``). Default 100.
    public var floodCloseAfter = 100
    /// How long command ids are remembered for idempotent retries. Default 24 hours.
    public var idempotencyWindow: Duration = .seconds(24 * 3600)
    /// How long a connection may stay without a valid `hello` before it is closed with 4001. Default 10 s.
    public var helloTimeout: Duration = .seconds(10)
    /// How long a connection being closed may take to take its close frame before the TCP
    /// connection is dropped. Default 5 s.
    public var closeGrace: Duration = .seconds(5)
    /// Most commands one group commit holds. Default 1024.
    public var maxBatch = 1024
    /// The certificate and key to serve HTTPS and `wss://` with; `nil` serves plain HTTP and `ws://`.
    /// Default `nil`.
    public var tls: HubTLS? = nil
    /// The name in `welcome.server`.
    public var serverName = "swarmd"
    /// The taxonomy and the invitation and backlog settings (docs/skills.md).
    public var swarm: SwarmSettings
    /// How long an agent may have no connection before their presence becomes offline, so a
    /// reconnect does not flap. Default 30 s.
    public var presenceGrace: Duration = .seconds(30)
    /// Knowledge-base articles suggested to a new ticket (0: none). Default 3.
    public var kbSuggestions = 3
    /// The longest the timer sleeps before it looks at the clock again (deadlines are exact to
    /// this). Default 1 s.
    public var timerPoll: Duration = .seconds(1)
    /// How often the `metrics` channel may get a new report (only after the log changed, or every
    /// minute for the backlog's age). Default 1 s.
    public var metricsInterval: Duration = .seconds(1)
    /// Where `GET /metrics` (Prometheus) is served: `nil` on the main listener, beside the API;
    /// an address to serve it on a listener of its own instead (and not on the main one). Default `nil`.
    public var metricsAddress: ListenAddress? = nil
    /// The token `GET /metrics` requires as `Authorization: Bearer`; `nil`: none. Default `nil`.
    public var metricsToken: String? = nil
    /// Where the hub's mail goes and who it is from; `nil`: no mail out.
    public var mailOut: MailOutConfiguration? = nil
    /// The address people open the hub at (`--public-url`), which its mail links to; `nil`: unknown, and the
    /// mail says where to look instead. Default `nil`.
    public var publicURL: PublicURL? = nil
    /// The outgoing webhooks (the configuration file's `webhooks:`); none by default.
    public var webhooks: [WebhookConfiguration] = []

    /// The default configuration, matching skills with `taxonomy`.
    public init(taxonomy: Taxonomy) {
        swarm = SwarmSettings(taxonomy: taxonomy)
    }
}

import Foundation
import Logging
import SwarmCore
import SwarmFiles
import SwarmProtocol

/// Every setting of `swarmd serve`, and how flags and the configuration file's `hub:` section give
/// them (docs/operations.md, "Settings"): the one table. ``ServeOptions`` declares one option per
/// entry to ArgumentParser, the configuration file's reader looks keys up here, and
/// ``markdownTable`` is the docs' table.
public enum Settings {
    /// All settings, in the order they are applied and listed.
    public static let all: [Setting] = [
        .host,
        .port,
        .maxFrameSize,
        .maxRequestHead,
        .requestHeadTimeout,
        .httpIdleTimeout,
        .allowedOrigin,
        .tlsCert,
        .tlsKey,
        .outboundQueueLimit,
        .outboundQueueBytes,
        .maxSubscriptions,
        .commandRate,
        .commandBurst,
        .connectionsPerToken,
        .principalRate,
        .principalBurst,
        .requesterBytesPerHour,
        .requesterBytesPerTicket,
        .attachmentMaxFile,
        .attachmentMaxTicket,
        .clamd,
        .clamdWait,
        .mailDomains,
        .mailSignatureImageSize,
        .floodCloseAfter,
        .helloTimeout,
        .closeGrace,
        .revocationPoll,
        .presenceGrace,
        .idempotencyWindow,
        .maxBatch,
        .timerPoll,
        .invitations,
        .inviteTimeout,
        .backlogAfter,
        .severityOneInvitations,
        .queueInvitations,
        .kbSuggestions,
        .metricsInterval,
        .logLevel,
        .logFormat,
        .metricsAddress,
        .metricsTokenFile,
        .smtp,
        .smtpCredentials,
        .mailFrom,
        .mailLanguage,
        .publicURL,
    ]

    /// The setting called `name`.
    public static func named(_ name: String) -> Setting? { all.first { $0.name == name } }

    /// Values given per setting name, in the order given.
    public typealias Given = [String: [String]]

    /// Applies values to `settings` in the order of ``all`` (so `--command-rate` sets the burst
    /// before `--command-burst` may set it again); the error names the flag.
    public static func apply(_ given: Given, to settings: inout ServeSettings) throws(SettingError) {
        for setting in all {
            guard let values = given[setting.name], !values.isEmpty else { continue }
            do {
                try setting.apply(values, to: &settings)
            } catch {
                throw SettingError("\(setting.flag) \(error.message)")
            }
        }
    }

    /// The settings as docs/operations.md lists them: a Markdown table, one row per setting.
    public static var markdownTable: String {
        let rows = all.map { setting in
            let value = setting.valueName.replacingOccurrences(of: "|", with: "\\|")
            return "| `\(setting.flag)` | \(value) | \(setting.defaultText) | \(setting.accepts) | \(setting.help) |"
        }
        return (["| setting | value | default | accepts | what it does |", "|---|---|---|---|---|"] + rows)
            .joined(separator: "\n")
    }
}

// MARK: The table

extension Setting {
    // Listening
    /// `--host`.
    public static let host = Setting.text("host", \.hub.host, value: "address", "Address to listen on.")
    /// `--port`.
    public static let port = Setting.count(
        "port", \.hub.port, 0...65535, value: "port", "Port to listen on (0: any free port).")
    /// `--max-frame-size`.
    public static let maxFrameSize = Setting.count(
        "max-frame-size", \.hub.maxFrameSize, 1024...(16 << 20), value: "bytes",
        "Largest accepted WebSocket frame or REST body.")
    /// `--max-request-head`.
    public static let maxRequestHead = Setting.count(
        "max-request-head", \.hub.maxRequestHead, 1024...(1 << 20), value: "bytes",
        "Largest HTTP request head (request line and headers); a longer one is answered 431.")
    /// `--request-head-timeout`.
    public static let requestHeadTimeout = Setting.duration(
        "request-head-timeout", \.hub.requestHeadTimeout, 100...3_600_000,
        "How long a new connection may take to send its request head before it is dropped.")
    /// `--http-idle-timeout`.
    public static let httpIdleTimeout = Setting.duration(
        "http-idle-timeout", \.hub.httpIdleTimeout, 100...86_400_000,
        "How long an HTTP connection may stay silent before it is closed.")
    /// `--allowed-origin`.
    public static let allowedOrigin = Setting(
        "allowed-origin", value: "origin", repeatable: true, accepts: "`scheme://host[:port]`, http or https",
        help:
            "A browser origin (https://desk.example.com) allowed to open a WebSocket besides the hub's own; repeatable.",
        show: { $0.hub.allowedOrigins.isEmpty ? "none" : $0.hub.allowedOrigins.joined(separator: " ") },
        set: { values, settings throws(SettingError) in
            for origin in values {
                guard let url = URL(string: origin), url.scheme == "http" || url.scheme == "https",
                    url.host != nil, url.path.isEmpty, url.query == nil
                else {
                    throw SettingError(
                        "must be scheme://host[:port], like https://desk.example.com, not '\(origin)'")
                }
            }
            settings.hub.allowedOrigins += values
        })
    /// `--tls-cert`.
    public static let tlsCert = Setting.file(
        "tls-cert", \.tlsCertificateFile,
        "Serve HTTPS and wss:// with this PEM certificate chain (the hub's certificate first); needs --tls-key.")
    /// `--tls-key`.
    public static let tlsKey = Setting.file("tls-key", \.tlsKeyFile, "The unencrypted PEM private key of --tls-cert.")
    // Connections
    /// `--outbound-queue-limit`.
    public static let outboundQueueLimit = Setting.count(
        "outbound-queue-limit", \.hub.outboundQueueLimit, 16...1_000_000, value: "frames",
        "Frames queued for one connection before it is closed as too slow (4008).")
    /// `--outbound-queue-bytes`.
    public static let outboundQueueBytes = Setting.count(
        "outbound-queue-bytes", \.hub.outboundQueueBytes, 4096...(1 << 30), value: "bytes",
        "Bytes queued for one connection before it is closed as too slow (4008).")
    /// `--max-subscriptions`.
    public static let maxSubscriptions = Setting.count(
        "max-subscriptions", \.hub.maxSubscriptions, 1...100_000,
        "Channels one connection may be subscribed to at once.")
    /// `--command-rate`.
    public static let commandRate = Setting.rate(
        "command-rate", \.hub.commandRate, burst: \.hub.commandBurst, 0.001...100_000,
        "Commands per second one connection may send on average; sets --command-burst to twice as many.")
    /// `--command-burst`.
    public static let commandBurst = Setting.number(
        "command-burst", \.hub.commandBurst, 1...200_000,
        "Commands one connection may send at once above the rate (default: twice --command-rate).")
    /// `--connections-per-token`.
    public static let connectionsPerToken = Setting.count(
        "connections-per-token", \.hub.connectionsPerToken, 1...1_000_000,
        "Connections one token may have open at once; a sign-in beyond it is refused.")
    /// `--principal-rate`.
    public static let principalRate = Setting.rate(
        "principal-rate", \.hub.principalRate, burst: \.hub.principalBurst, 0.001...1_000_000,
        "Commands and REST requests per second one token's name may send across all its connections; sets --principal-burst to twice as many."
    )
    /// `--principal-burst`.
    public static let principalBurst = Setting.number(
        "principal-burst", \.hub.principalBurst, 1...2_000_000,
        "Commands and REST requests one token's name may send at once above the rate (default: twice --principal-rate)."
    )
    /// `--requester-bytes-per-hour`.
    public static let requesterBytesPerHour = Setting.count(
        "requester-bytes-per-hour", \.hub.requesterBytesPerHour, 1024...(1 << 34), value: "bytes",
        "Bytes of text (titles, descriptions, comments) a requester may write per hour.")
    /// `--requester-bytes-per-ticket`.
    /// `--attachment-max-file`.
    public static let attachmentMaxFile = Setting.count(
        "attachment-max-file", \.hub.swarm.attachmentMaxFile, 0...(1 << 32), value: "bytes",
        "Largest file that may be attached; a larger upload is refused with the limit and how far over it is.")
    /// `--attachment-max-ticket`.
    public static let attachmentMaxTicket = Setting.count(
        "attachment-max-ticket", \.hub.swarm.attachmentMaxTicket, 0...(1 << 40), value: "bytes",
        "Most bytes of files one ticket may hold, all its attachments together.")
    /// `--clamd`.
    public static let clamd = Setting(
        "clamd", value: "address", accepts: "`unix:/path` or `tcp://host:port`",
        help: "ClamAV's clamd: every upload is scanned before it is attached, a finding refused with its name.",
        show: { $0.hub.clamd.map(\.description) ?? "none" },
        set: { values, settings throws(SettingError) in
            do throws(ClamdError) {
                settings.hub.clamd = try ClamdAddress(parsing: values[0])
            } catch {
                throw SettingError("--clamd: \(error.message)")
            }
        })
    /// `--clamd-wait`.
    public static let clamdWait = Setting.duration(
        "clamd-wait", \.hub.clamdWait, 0...600_000,
        "How long an upload waits for an unreachable clamd before it is refused (0s: at once); never stored unscanned.")
    public static let requesterBytesPerTicket = Setting.count(
        "requester-bytes-per-ticket", \.hub.requesterBytesPerTicket, 1024...(1 << 34), value: "bytes",
        "Bytes of text a requester may have on one ticket: its description and her comments.")
    /// `--mail-domains`.
    public static let mailDomains = Setting(
        "mail-domains", value: "domains", accepts: "comma-separated domains, like `example.com,example.org`",
        help:
            "Mail domains whose addresses may become requesters: staff open tickets for rita@example.com only if example.com is listed.",
        show: { $0.hub.mailDomains.isEmpty ? "none" : $0.hub.mailDomains.joined(separator: ",") },
        set: { values, settings throws(SettingError) in
            var domains: [String] = []
            for entry in values[0].split(separator: ",", omittingEmptySubsequences: false) {
                let text = entry.trimmingCharacters(in: .whitespaces)
                guard let domain = RequesterName.domain(text) else {
                    throw SettingError(
                        "takes comma-separated mail domains like example.com,example.org; '\(text)' is not a domain")
                }
                if !domains.contains(domain) { domains.append(domain) }
            }
            settings.hub.mailDomains = domains
        })
    /// `--mail-signature-image-size`.
    public static let mailSignatureImageSize = Setting.count(
        "mail-signature-image-size", \.hub.mailSignatureImageSize, 0...(1 << 20), value: "bytes",
        "Inline images in incoming mail smaller than this are taken for signatures' logos: dropped, not attached (0: none)."
    )
    /// `--flood-close-after`.
    public static let floodCloseAfter = Setting.count(
        "flood-close-after", \.hub.floodCloseAfter, 1...1_000_000,
        "Refused frames, with no second's pause between them, after which a connection is closed (4029).")
    /// `--hello-timeout`.
    public static let helloTimeout = Setting.duration(
        "hello-timeout", \.hub.helloTimeout, 100...3_600_000,
        "How long a connection may stay without a valid hello before it is closed (4001).")
    /// `--close-grace`.
    public static let closeGrace = Setting.duration(
        "close-grace", \.hub.closeGrace, 100...600_000,
        "How long a closing connection may take to read its close frame before it is dropped.")
    /// `--revocation-poll`.
    public static let revocationPoll = Setting.duration(
        "revocation-poll", \.hub.revocationPoll, 10...600_000,
        "How often the hub looks for revoked tokens, to close their connections (4003).")
    /// `--presence-grace`.
    public static let presenceGrace = Setting.duration(
        "presence-grace", \.hub.presenceGrace, 1000...86_400_000,
        "How long without a connection makes an agent offline.")
    // The log
    /// `--idempotency-window`.
    public static let idempotencyWindow = Setting.duration(
        "idempotency-window", \.hub.idempotencyWindow, 60_000...(30 * 86_400_000),
        "How long command ids are remembered, so a retry is answered with its first ack.")
    /// `--max-batch`.
    public static let maxBatch = Setting.count(
        "max-batch", \.hub.maxBatch, 1...65_536, value: "commands", "Most commands one group commit holds.")
    /// `--timer-poll`.
    public static let timerPoll = Setting.duration(
        "timer-poll", \.hub.timerPoll, 10...60_000,
        "The longest the timers sleep before they look at the clock (deadlines fire within it).")
    // Swarming: the first three are in SwarmOptions, which simulate shares
    /// `--invitations`.
    public static let invitations = Setting.count(
        "invitations", \.hub.swarm.invitations, 1...SwarmSettings.maxInvitations,
        "Candidates a new ticket invites.")
    /// `--invite-timeout`.
    public static let inviteTimeout = Setting.milliseconds(
        "invite-timeout", \.hub.swarm.inviteTimeout, 1000...(30 * 86_400_000),
        "How long an invitation waits for an answer.")
    /// `--backlog-after`.
    public static let backlogAfter = Setting.milliseconds(
        "backlog-after", \.hub.swarm.backlogAfter, 60_000...(365 * 86_400_000),
        "How long without progress puts a ticket on the backlog channel.")
    /// `--severity-one-invitations`.
    public static let severityOneInvitations = Setting.count(
        "severity-one-invitations", \.hub.swarm.severityOneInvitations, 1...SwarmSettings.maxInvitations,
        "Candidates a new P1 ticket invites at once (severity-1 swarm).")
    /// `--queue-invitations`.
    public static let queueInvitations = Setting(
        "queue-invitations", value: "queue=n", repeatable: true,
        accepts: "a queue name, `=`, 1–\(SwarmSettings.maxInvitations)",
        help: "Invitations for one queue, overriding --invitations; repeatable.",
        show: { settings in
            let entries = settings.hub.swarm.invitationsPerQueue.sorted { $0.key < $1.key }
            return entries.isEmpty ? "none" : entries.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        },
        set: { values, settings throws(SettingError) in
            for entry in values {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, Limits.isValidQueue(parts[0]), let n = Int(parts[1]),
                    (1...SwarmSettings.maxInvitations).contains(n)
                else {
                    throw SettingError(
                        "takes queue=n with n from 1 to \(SwarmSettings.maxInvitations), not '\(entry)'")
                }
                settings.hub.swarm.invitationsPerQueue[parts[0]] = n
            }
        })
    /// `--kb-suggestions`.
    public static let kbSuggestions = Setting.count(
        "kb-suggestions", \.hub.kbSuggestions, 0...20, value: "articles",
        "Knowledge-base articles suggested to a new ticket (0: none).")
    /// `--metrics-interval`.
    public static let metricsInterval = Setting.duration(
        "metrics-interval", \.hub.metricsInterval, 100...600_000,
        "How often the metrics channel may get a new report (only after the log changed).")
    // Telemetry
    /// `--log-level`.
    public static let logLevel = Setting.choice("log-level", \.logLevel, "Log level.")
    /// `--log-format`.
    public static let logFormat = Setting.choice(
        "log-format", \.logFormat, "Log line format on standard error (json: one object a line).")
    /// `--metrics-address`.
    public static let metricsAddress = Setting(
        "metrics-address", value: "host:port", accepts: "`HOST:PORT`, `[IPv6]:PORT`; not the main port",
        help: "Serve GET /metrics (Prometheus) on this address of its own instead of the main port.",
        show: { $0.hub.metricsAddress.map { "\($0)" } ?? "none" },
        set: { values, settings throws(SettingError) in
            do throws(ListenAddressError) {
                settings.hub.metricsAddress = try ListenAddress(parsing: values[0])
            } catch {
                throw SettingError(error.message)
            }
        })
    /// `--metrics-token-file`.
    public static let metricsTokenFile = Setting.file(
        "metrics-token-file", \.metricsTokenFile,
        "A file whose first line is the token GET /metrics then requires as 'Authorization: Bearer'.")

    // Mail out
    /// `--smtp`.
    public static let smtp = Setting(
        "smtp", value: "url", accepts: "`smtp://host[:port]` (STARTTLS when offered), `smtps://host[:port]`",
        help: "The SMTP relay the hub's mail (confirmations, public replies, status notices) goes through.",
        show: { $0.smtp.map(\.text) ?? "none" },
        set: { values, settings throws(SettingError) in settings.smtp = try RelayURL(parsing: values[0]) })
    /// `--smtp-credentials`.
    public static let smtpCredentials = Setting.file(
        "smtp-credentials", \.smtpCredentialsFile,
        "A file whose first line is user:password for the relay's AUTH (over TLS).")
    /// `--mail-from`.
    public static let mailFrom = Setting(
        "mail-from", value: "sender", accepts: "`address` or `Name <address>`",
        help: "Who the hub's mail is from; its domain ends the hub's Message-IDs.",
        show: { $0.mailFrom.map(\.description) ?? "none" },
        set: { values, settings throws(SettingError) in settings.mailFrom = try MailSender(parsing: values[0]) })
    /// `--public-url`.
    public static let publicURL = Setting(
        "public-url", value: "url", accepts: "an http:// or https:// address, like `https://help.example.com`",
        help: "The address people open the hub at; the hub's mail links to its portal there.",
        show: { $0.hub.publicURL?.description ?? "none" },
        set: { values, settings throws(SettingError) in settings.hub.publicURL = try PublicURL(parsing: values[0]) })
    /// `--mail-language`.
    public static let mailLanguage = Setting.choice(
        "mail-language", \.mailLanguage,
        "The language of the hub's mail when the requester's own words do not tell (de: German, en: English).")
}

import Foundation
public import Logging
import SwarmCore

/// What `swarmd serve` can be told: the hub's configuration and the process's own settings (logs,
/// the files TLS and the metrics token are read from).
///
/// Every field is set through a ``Setting`` of ``Settings/all``; the defaults are the initial
/// values here and in ``HubConfiguration``.
public struct ServeSettings: Sendable {
    public var hub = HubConfiguration()
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text
    public var tlsCertificateFile: String? = nil
    public var tlsKeyFile: String? = nil
    public var metricsTokenFile: String? = nil

    public init() {}

    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        /// swift-log's text lines.
        case text
        /// One JSON object per line.
        case json
    }

    /// Checks what no single setting can: the TLS files come as a pair, the metrics listener needs a
    /// port of its own.
    public func validate() throws(SettingError) {
        switch (tlsCertificateFile, tlsKeyFile) {
        case (.some, nil): throw SettingError("--tls-cert needs --tls-key FILE, the certificate's private key")
        case (nil, .some): throw SettingError("--tls-key needs --tls-cert FILE, the certificate it belongs to")
        default: break
        }
        if let metrics = hub.metricsAddress, metrics.port != 0, metrics.port == hub.port {
            throw SettingError("--metrics-address must use another port than --port \(hub.port)")
        }
    }

    /// Reads the files the settings name (the TLS certificate and key, the metrics token) into the
    /// hub's configuration; the error names the file and what is wrong with it.
    public func loaded() throws(SettingError) -> HubConfiguration {
        var hub = self.hub
        if let certificate = tlsCertificateFile, let key = tlsKeyFile {
            do {
                hub.tls = try HubTLS(certificateFile: certificate, keyFile: key)
            } catch {
                throw SettingError(error.message)
            }
        }
        if let path = metricsTokenFile { hub.metricsToken = try Self.readToken(path) }
        return hub
    }

    /// The token in a metrics token file: its first line, without surrounding white space.
    static func readToken(_ path: String) throws(SettingError) -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingError("--metrics-token-file: cannot read \(path): \(error.localizedDescription)")
        }
        let token = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let token, !token.isEmpty else {
            throw SettingError("--metrics-token-file: \(path) is empty; write the token on its first line")
        }
        let printable = token.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) }
        guard token.count >= 16, token.count <= 512, printable else {
            throw SettingError(
                "--metrics-token-file: the token in \(path) must be 16 to 512 printable ASCII characters without spaces"
            )
        }
        return token
    }
}

/// A value a setting refuses; the message says what is wrong and what is expected.
public struct SettingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// One setting of `swarmd serve`, declared once: its name is the flag (`--hello-timeout 5s`) and the
/// key in the `hub:` section of the configuration file (`hello-timeout: 5s`); it parses and checks
/// the value and sets one field of ``ServeSettings``; its default is that field's initial value.
public struct Setting: Sendable {
    /// The flag without its dashes, and the configuration file's key.
    public let name: String
    /// What the value is, in the help (`duration`, `n`, `host:port`).
    public let valueName: String
    /// One sentence for the help and docs/operations.md.
    public let help: String
    /// Whether it may be given more than once (each value adds to a list).
    public let repeatable: Bool
    /// The values it accepts, for the docs (`1–100000`, `100ms–1h`).
    public let accepts: String
    private let set: @Sendable ([String], inout ServeSettings) throws(SettingError) -> Void
    private let show: @Sendable (ServeSettings) -> String

    init(
        _ name: String, value valueName: String, repeatable: Bool = false, accepts: String, help: String,
        show: @escaping @Sendable (ServeSettings) -> String,
        set: @escaping @Sendable ([String], inout ServeSettings) throws(SettingError) -> Void
    ) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.repeatable = repeatable
        self.accepts = accepts
        self.set = set
        self.show = show
    }

    /// The flag, `--name`.
    public var flag: String { "--\(name)" }

    /// The default as it would be written (`10s`, `100`), or `none`.
    public var defaultText: String { show(ServeSettings()) }

    /// The value in `settings`, as it would be written.
    public func text(in settings: ServeSettings) -> String { show(settings) }

    /// Parses `values` into `settings`; the error does not name the setting. A setting that is not
    /// repeatable takes the last value given, as a flag given twice does.
    public func apply(_ values: [String], to settings: inout ServeSettings) throws(SettingError) {
        guard let last = values.last else { return }
        try set(repeatable ? values : [last], &settings)
    }
}

/// Every setting of `swarmd serve`, and how flags and the configuration file's `hub:` section give
/// them (docs/operations.md, "Settings").
public enum Settings {
    /// All settings, in the order they are applied and listed.
    public static let all: [Setting] = [
        // Listening
        .text("host", \.hub.host, value: "address", "Address to listen on."),
        .count("port", \.hub.port, 0...65535, value: "port", "Port to listen on (0: any free port)."),
        .count(
            "max-frame-size", \.hub.maxFrameSize, 1024...(16 << 20), value: "bytes",
            "Largest accepted WebSocket frame or REST body."),
        .count(
            "max-request-head", \.hub.maxRequestHead, 1024...(1 << 20), value: "bytes",
            "Largest HTTP request head (request line and headers); a longer one is answered 431."),
        .duration(
            "request-head-timeout", \.hub.requestHeadTimeout, 100...3_600_000,
            "How long a new connection may take to send its request head before it is dropped."),
        .duration(
            "http-idle-timeout", \.hub.httpIdleTimeout, 100...86_400_000,
            "How long an HTTP connection may stay silent before it is closed."),
        Setting(
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
            }),
        .file(
            "tls-cert", \.tlsCertificateFile,
            "Serve HTTPS and wss:// with this PEM certificate chain (the hub's certificate first); needs --tls-key."),
        .file("tls-key", \.tlsKeyFile, "The unencrypted PEM private key of --tls-cert."),
        // Connections
        .count(
            "outbound-queue-limit", \.hub.outboundQueueLimit, 16...1_000_000, value: "frames",
            "Frames queued for one connection before it is closed as too slow (4008)."),
        .count(
            "outbound-queue-bytes", \.hub.outboundQueueBytes, 4096...(1 << 30), value: "bytes",
            "Bytes queued for one connection before it is closed as too slow (4008)."),
        .count(
            "max-subscriptions", \.hub.maxSubscriptions, 1...100_000,
            "Channels one connection may be subscribed to at once."),
        .rate(
            "command-rate", \.hub.commandRate, burst: \.hub.commandBurst, 0.001...100_000,
            "Commands per second one connection may send on average; sets --command-burst to twice as many."),
        .number(
            "command-burst", \.hub.commandBurst, 1...200_000,
            "Commands one connection may send at once above the rate (default: twice --command-rate)."),
        .count(
            "connections-per-token", \.hub.connectionsPerToken, 1...1_000_000,
            "Connections one token may have open at once; a sign-in beyond it is refused."),
        .rate(
            "principal-rate", \.hub.principalRate, burst: \.hub.principalBurst, 0.001...1_000_000,
            "Commands and REST requests per second one token's name may send across all its connections; sets --principal-burst to twice as many."
        ),
        .number(
            "principal-burst", \.hub.principalBurst, 1...2_000_000,
            "Commands and REST requests one token's name may send at once above the rate (default: twice --principal-rate)."
        ),
        .count(
            "requester-bytes-per-hour", \.hub.requesterBytesPerHour, 1024...(1 << 34), value: "bytes",
            "Bytes of text (titles, descriptions, comments) a requester may write per hour."),
        .count(
            "requester-bytes-per-ticket", \.hub.requesterBytesPerTicket, 1024...(1 << 34), value: "bytes",
            "Bytes of text a requester may have on one ticket: its description and her comments."),
        .count(
            "flood-close-after", \.hub.floodCloseAfter, 1...1_000_000,
            "Refused frames, with no second's pause between them, after which a connection is closed (4029)."),
        .duration(
            "hello-timeout", \.hub.helloTimeout, 100...3_600_000,
            "How long a connection may stay without a valid hello before it is closed (4001)."),
        .duration(
            "close-grace", \.hub.closeGrace, 100...600_000,
            "How long a closing connection may take to read its close frame before it is dropped."),
        .duration(
            "revocation-poll", \.hub.revocationPoll, 10...600_000,
            "How often the hub looks for revoked tokens, to close their connections (4003)."),
        .duration(
            "presence-grace", \.hub.presenceGrace, 1000...86_400_000,
            "How long without a connection makes an agent offline."),
        // The log
        .duration(
            "idempotency-window", \.hub.idempotencyWindow, 60_000...(30 * 86_400_000),
            "How long command ids are remembered, so a retry is answered with its first ack."),
        .count("max-batch", \.hub.maxBatch, 1...65_536, value: "commands", "Most commands one group commit holds."),
        .duration(
            "timer-poll", \.hub.timerPoll, 10...60_000,
            "The longest the timers sleep before they look at the clock (deadlines fire within it)."),
        // Swarming
        .count(
            "invitations", \.hub.swarm.invitations, 1...SwarmSettings.maxInvitations,
            "Candidates a new ticket invites."),
        .count(
            "severity-one-invitations", \.hub.swarm.severityOneInvitations, 1...SwarmSettings.maxInvitations,
            "Candidates a new P1 ticket invites at once (severity-1 swarm)."),
        Setting(
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
            }),
        .milliseconds(
            "invite-timeout", \.hub.swarm.inviteTimeout, SwarmSettings.inviteTimeouts,
            "How long an invitation waits for an answer."),
        .milliseconds(
            "backlog-after", \.hub.swarm.backlogAfter, SwarmSettings.backlogDelays,
            "How long without progress puts a ticket on the backlog channel."),
        .count(
            "kb-suggestions", \.hub.kbSuggestions, 0...20, value: "articles",
            "Knowledge-base articles suggested to a new ticket (0: none)."),
        .duration(
            "metrics-interval", \.hub.metricsInterval, 100...600_000,
            "How often the metrics channel may get a new report (only after the log changed)."),
        // Telemetry
        .choice("log-level", \.logLevel, "Log level."),
        .choice("log-format", \.logFormat, "Log line format on standard error (json: one object a line)."),
        Setting(
            "metrics-address", value: "host:port", accepts: "`HOST:PORT`, `[IPv6]:PORT`; not the main port",
            help: "Serve GET /metrics (Prometheus) on this address of its own instead of the main port.",
            show: { $0.hub.metricsAddress.map { "\($0)" } ?? "none" },
            set: { values, settings throws(SettingError) in
                do throws(ListenAddressError) {
                    settings.hub.metricsAddress = try ListenAddress(parsing: values[0])
                } catch {
                    throw SettingError(error.message)
                }
            }),
        .file(
            "metrics-token-file", \.metricsTokenFile,
            "A file whose first line is the token GET /metrics then requires as 'Authorization: Bearer'."),
    ]

    /// The setting called `name`.
    public static func named(_ name: String) -> Setting? { all.first { $0.name == name } }

    /// Values given per setting name, in the order given.
    public typealias Given = [String: [String]]

    /// Reads `--name value` and `--name=value` pairs. Anything else is an error that names it.
    public static func parse(arguments: [String]) throws(SettingError) -> Given {
        var given: Given = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingError("unexpected argument '\(argument)'; see swarmd serve --help")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let setting = named(name) else {
                throw SettingError("unknown option '--\(name)'\(suggestion(for: name)); see swarmd serve --help")
            }
            if value == nil {
                guard index < arguments.count else { throw SettingError("\(setting.flag) needs a value") }
                value = arguments[index]
                index += 1
            }
            given[name, default: []].append(value!)
        }
        return given
    }

    /// Applies flags' values to `settings` in the order of ``all``; the error names the flag.
    public static func apply(_ given: Given, to settings: inout ServeSettings) throws(SettingError) {
        for setting in all {
            guard let values = given[setting.name] else { continue }
            do {
                try setting.apply(values, to: &settings)
            } catch {
                throw SettingError("\(setting.flag) \(error.message)")
            }
        }
    }

    /// The settings as the help lists them: flag, value, what it does and its default, wrapped to
    /// fit 80 columns (the help does not re-wrap lines that fit).
    public static var helpText: String {
        all.map { setting in
            let words = "\(setting.help) Default: \(setting.defaultText).".split(separator: " ")
            var lines: [String] = []
            var line = ""
            for word in words {
                if !line.isEmpty, line.count + 1 + word.count > 70 {
                    lines.append(line)
                    line = ""
                }
                line += line.isEmpty ? String(word) : " \(word)"
            }
            lines.append(line)
            return (["  \(setting.flag) <\(setting.valueName)>"] + lines.map { "      \($0)" }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    private static func suggestion(for name: String) -> String {
        let close = all.map(\.name).filter { $0.hasPrefix(name) || name.hasPrefix($0) || $0.contains(name) }
        guard let first = close.first else { return "" }
        return " (did you mean --\(first)?)"
    }
}

// MARK: Kinds of setting

extension Setting {
    /// The field of ``ServeSettings`` a setting sets.
    typealias Path<Value> = any WritableKeyPath<ServeSettings, Value> & Sendable

    static func count(
        _ name: String, _ path: Path<Int>, _ range: ClosedRange<Int>,
        value: String = "n", _ help: String
    ) -> Setting {
        Setting(
            name, value: value, accepts: "\(range.lowerBound)–\(range.upperBound)", help: help,
            show: { "\($0[keyPath: path])" }
        ) { values, settings throws(SettingError) in
            guard let n = Int(values[0]), range.contains(n) else {
                throw SettingError(
                    "must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(values[0])'")
            }
            settings[keyPath: path] = n
        }
    }

    /// A rate of a token bucket: setting it sets the bucket's burst to twice as many (a later
    /// `--…-burst` still wins).
    static func rate(
        _ name: String, _ path: Path<Double>, burst: Path<Double>, _ range: ClosedRange<Double>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "n", accepts: "\(Settings.number(range.lowerBound))–\(Settings.number(range.upperBound))",
            help: help, show: { Settings.number($0[keyPath: path]) }
        ) {
            values, settings throws(SettingError) in
            let rate = try Settings.parseNumber(values[0], in: range)
            settings[keyPath: path] = rate
            settings[keyPath: burst] = max(1, rate * 2)
        }
    }

    static func number(
        _ name: String, _ path: Path<Double>, _ range: ClosedRange<Double>,
        _ help: String
    ) -> Setting {
        Setting(
            name, value: "n", accepts: "\(Settings.number(range.lowerBound))–\(Settings.number(range.upperBound))",
            help: help, show: { Settings.number($0[keyPath: path]) }
        ) {
            values, settings throws(SettingError) in
            settings[keyPath: path] = try Settings.parseNumber(values[0], in: range)
        }
    }

    static func duration(
        _ name: String, _ path: Path<Duration>,
        _ range: ClosedRange<Int64>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "duration", accepts: Settings.durations(range), help: help,
            show: { "\(TextDuration($0[keyPath: path]))" }
        ) {
            values, settings throws(SettingError) in
            settings[keyPath: path] = try Settings.parseDuration(values[0], in: range).duration
        }
    }

    /// A duration the swarm settings keep in milliseconds.
    static func milliseconds(
        _ name: String, _ path: Path<Int64>,
        _ range: ClosedRange<Int64>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "duration", accepts: Settings.durations(range), help: help,
            show: { "\(TextDuration(milliseconds: $0[keyPath: path]))" }
        ) { values, settings throws(SettingError) in
            settings[keyPath: path] = try Settings.parseDuration(values[0], in: range).milliseconds
        }
    }

    static func text(
        _ name: String, _ path: Path<String>, value: String, _ help: String
    ) -> Setting {
        Setting(name, value: value, accepts: "not empty, no spaces", help: help, show: { $0[keyPath: path] }) {
            values, settings throws(SettingError) in
            let text = values[0]
            guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                throw SettingError("must not be empty or contain spaces")
            }
            settings[keyPath: path] = text
        }
    }

    static func file(
        _ name: String, _ path: Path<String?>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "file", accepts: "a readable file", help: help, show: { $0[keyPath: path] ?? "none" }
        ) {
            values, settings throws(SettingError) in
            guard !values[0].isEmpty else { throw SettingError("must name a file") }
            settings[keyPath: path] = values[0]
        }
    }

    static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: Path<Value>, _ help: String
    ) -> Setting where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        return Setting(
            name, value: names.joined(separator: "|"), accepts: names.map { "`\($0)`" }.joined(separator: ", "),
            help: help, show: { $0[keyPath: path].rawValue }
        ) { values, settings throws(SettingError) in
            guard let value = Value(rawValue: values[0]) else {
                throw SettingError("must be one of \(names.joined(separator: ", ")), not '\(values[0])'")
            }
            settings[keyPath: path] = value
        }
    }
}

extension Settings {
    static func parseNumber(_ text: String, in range: ClosedRange<Double>) throws(SettingError) -> Double {
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw SettingError(
                "must be a number from \(Self.number(range.lowerBound)) to \(Self.number(range.upperBound)), not '\(text)'"
            )
        }
        return number
    }

    static func parseDuration(_ text: String, in range: ClosedRange<Int64>) throws(SettingError) -> TextDuration {
        guard let duration = TextDuration(text) else {
            throw SettingError("must be a duration \(TextDuration.examples), not '\(text)'")
        }
        guard range.contains(duration.milliseconds) else {
            throw SettingError(
                "must be from \(TextDuration(milliseconds: range.lowerBound)) to \(TextDuration(milliseconds: range.upperBound)), not '\(text)'"
            )
        }
        return duration
    }

    /// A range of durations as written: `100ms–1h`.
    static func durations(_ range: ClosedRange<Int64>) -> String {
        "\(TextDuration(milliseconds: range.lowerBound))–\(TextDuration(milliseconds: range.upperBound))"
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

    /// A number as written: `100`, `0.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}

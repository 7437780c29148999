import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `swarmd serve`: runs the hub until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub.",
        discussion: """
            Once it accepts connections, prints 'listening on ws://HOST:PORT/v1/ws' (wss:// with TLS).
            If the database has no tokens yet, it first creates an admin token named 'admin' and prints it.
            Stops gracefully on SIGTERM or SIGINT: queued commands are committed before it exits.

            Examples:
              swarmd serve
              swarmd serve --host 0.0.0.0 --port 9000 --db /var/lib/swarm/swarm.sqlite
              swarmd serve --port 0        # any free port; read it from the 'listening on' line
              swarmd serve --config config/swarmd.example.yaml   # tiered and hybrid queues
              swarmd serve --postgres postgres://swarm@db.example:5432/swarm   # one of several nodes
              swarmd serve --host 0.0.0.0 --port 8443 --tls-cert hub.pem --tls-key hub-key.pem
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var tls: TLSOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: ArgumentHelp("Largest accepted WebSocket frame or REST body.", valueName: "bytes"))
    var maxFrameSize = ProtocolInfo.defaultMaxFrameSize

    @Option(
        help: ArgumentHelp(
            "Frames queued for one connection before it is closed as too slow (4008).", valueName: "frames"))
    var outboundQueueLimit = 4096

    @Option(
        help: ArgumentHelp(
            "Bytes queued for one connection before it is closed as too slow (4008).", valueName: "bytes"))
    var outboundQueueBytes = HubConfiguration().outboundQueueBytes

    @Option(help: ArgumentHelp("Channels one connection may be subscribed to at once.", valueName: "n"))
    var maxSubscriptions = HubConfiguration().maxSubscriptions

    @Option(
        help: ArgumentHelp(
            "How long a new connection may take to send its request head before it is dropped.",
            valueName: "duration"))
    var requestHeadTimeout = "5s"

    @Option(
        help: ArgumentHelp("How long an HTTP connection may stay silent before it is closed.", valueName: "duration"))
    var httpIdleTimeout = "30s"

    @Option(
        name: .customLong("allowed-origin"),
        help: ArgumentHelp(
            "A browser origin (https://desk.example.com) allowed to open a WebSocket besides the hub's own; repeatable.",
            valueName: "origin"))
    var allowedOrigins: [String] = []

    @Option(help: ArgumentHelp("Commands per second one connection may send on average.", valueName: "n"))
    var commandRate = 100.0

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel = "info"

    /// `--log-format`, `--metrics-address`, `--metrics-token-file`.
    @OptionGroup var telemetry: TelemetryOptions

    @Option(
        help: ArgumentHelp(
            "Queue configuration (YAML): routing modes, tier time limits, SLA targets, categories (docs/tiers.md).",
            valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Skill taxonomy file (JSON); default: the one shipped with swarmd.", valueName: "file"))
    var taxonomy: String?

    @Option(help: ArgumentHelp("Candidates a new ticket invites.", valueName: "n"))
    var invitations = 3

    @Option(help: ArgumentHelp("Candidates a new P1 ticket invites at once (severity-1 swarm).", valueName: "n"))
    var severityOneInvitations = 8

    @Option(
        name: .customLong("queue-invitations"),
        help: ArgumentHelp("Invitations for one queue, overriding --invitations; repeatable.", valueName: "queue=n"))
    var queueInvitations: [String] = []

    @Option(help: ArgumentHelp("How long an invitation waits for an answer (90s, 15m, 4h, 2d).", valueName: "duration"))
    var inviteTimeout = "10m"

    @Option(
        help: ArgumentHelp("How long without progress puts a ticket on the backlog channel.", valueName: "duration"))
    var backlogAfter = "4h"

    @Option(help: ArgumentHelp("How long without a connection makes an agent offline.", valueName: "duration"))
    var presenceGrace = "30s"

    func validate() throws {
        for (name, text) in [
            ("--invite-timeout", inviteTimeout), ("--backlog-after", backlogAfter), ("--presence-grace", presenceGrace),
            ("--request-head-timeout", requestHeadTimeout), ("--http-idle-timeout", httpIdleTimeout),
        ] {
            guard let ms = DurationText.milliseconds(text), ms > 0 else {
                throw ValidationError("\(name) must be a duration such as 90s, 15m, 4h or 2d, not '\(text)'")
            }
        }
        let counts = 1...SwarmSettings.maxInvitations
        guard counts.contains(invitations), counts.contains(severityOneInvitations) else {
            throw ValidationError("--invitations and --severity-one-invitations must be 1 to \(counts.upperBound)")
        }
        _ = try parsedQueueInvitations()
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        if let metrics = telemetry.listenAddress, metrics.port != 0, metrics.port == port {
            throw ValidationError("--metrics-address must use another port than --port \(port)")
        }
        guard (1024...(16 * 1024 * 1024)).contains(maxFrameSize) else {
            throw ValidationError("--max-frame-size must be between 1024 and 16777216 bytes")
        }
        guard (16...1_000_000).contains(outboundQueueLimit) else {
            throw ValidationError("--outbound-queue-limit must be between 16 and 1000000")
        }
        guard (4096...(1 << 30)).contains(outboundQueueBytes) else {
            throw ValidationError("--outbound-queue-bytes must be between 4096 and 1073741824")
        }
        guard (1...100_000).contains(maxSubscriptions) else {
            throw ValidationError("--max-subscriptions must be between 1 and 100000")
        }
        for origin in allowedOrigins {
            guard let url = URL(string: origin), url.scheme == "http" || url.scheme == "https", url.host != nil,
                url.path.isEmpty, url.query == nil
            else {
                throw ValidationError(
                    "--allowed-origin must be scheme://host[:port], like https://desk.example.com, not '\(origin)'")
            }
        }
        guard commandRate > 0, commandRate <= 100_000 else {
            throw ValidationError("--command-rate must be in (0, 100000]")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        telemetry.bootstrapLogging(level: Logger.Level(rawValue: logLevel) ?? .info)
        let hubTelemetry = telemetry.bootstrapMetrics()
        let logger = Logger(label: "swarmd")
        // Settings first: a bad taxonomy file stops the hub before it touches the database.
        let swarm: SwarmSettings
        do {
            swarm = try swarmSettings()
        } catch {
            complain("error: \(error)")
            throw ExitCode(2)
        }
        let tls = try self.tls.load()
        if case .sqlite(let path) = store.choice { try lockDatabase(path) }
        let location = store.description
        try await store.withStore(logger: logger) { eventStore in
            do {
                if try await eventStore.tokens().isEmpty {
                    let (_, secret) = try await eventStore.createToken(name: "admin", role: .admin, at: systemClock())
                    say("first admin token for 'admin' (shown once; keep it):")
                    say(secret)
                }
            } catch {
                complain("error: cannot read the database \(location): \(error)")
                throw ExitCode(3)
            }
            var configuration = HubConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.maxFrameSize = maxFrameSize
            configuration.outboundQueueLimit = outboundQueueLimit
            configuration.outboundQueueBytes = outboundQueueBytes
            configuration.maxSubscriptions = maxSubscriptions
            configuration.requestHeadTimeout = .milliseconds(DurationText.milliseconds(requestHeadTimeout) ?? 5000)
            configuration.httpIdleTimeout = .milliseconds(DurationText.milliseconds(httpIdleTimeout) ?? 30_000)
            configuration.allowedOrigins = allowedOrigins
            configuration.commandRate = commandRate
            configuration.commandBurst = max(1, commandRate * 2)
            configuration.swarm = swarm
            configuration.presenceGrace = .milliseconds(DurationText.milliseconds(presenceGrace) ?? 30_000)
            configuration.metricsAddress = telemetry.listenAddress
            configuration.metricsToken = try telemetry.metricsToken()
            configuration.tls = tls
            let services: HubServices
            do {
                services = try await HubServices(
                    store: eventStore, configuration: configuration, logger: logger, telemetry: hubTelemetry)
            } catch {
                // A corrupt page or a gap in the log: the database cannot be served as it is.
                complain("error: cannot replay the event log in \(location): \(error)")
                throw ExitCode(3)
            }
            let host = self.host
            let scheme = tls == nil ? "ws" : "wss"
            let app = Hub.application(services: services) { port in
                say("listening on \(scheme)://\(host):\(port)/v1/ws")
            }
            try await app.runService()
            logger.info("stopped", metadata: ["swarm.seq": "\(services.ledger.snapshot.seq)"])
        }
    }

    private func parsedQueueInvitations() throws -> [String: Int] {
        var result: [String: Int] = [:]
        for entry in queueInvitations {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Limits.isValidQueue(parts[0]), let n = Int(parts[1]),
                (1...SwarmSettings.maxInvitations).contains(n)
            else {
                throw ValidationError(
                    "--queue-invitations takes queue=n with n from 1 to \(SwarmSettings.maxInvitations), not '\(entry)'"
                )
            }
            result[parts[0]] = n
        }
        return result
    }

    private func swarmSettings() throws -> SwarmSettings {
        var settings = SwarmSettings(taxonomy: try taxonomy.map { try Taxonomy.load(path: $0) } ?? .standard)
        settings.invitations = invitations
        settings.severityOneInvitations = severityOneInvitations
        settings.invitationsPerQueue = try parsedQueueInvitations()
        settings.inviteTimeout = DurationText.milliseconds(inviteTimeout) ?? settings.inviteTimeout
        settings.backlogAfter = DurationText.milliseconds(backlogAfter) ?? settings.backlogAfter
        if let config { try QueueConfiguration.load(path: config).apply(to: &settings) }
        return settings
    }

    /// Takes an exclusive lock beside the database so two hubs never append to one log.
    private func lockDatabase(_ path: String) throws {
        let lockPath = path + ".lock"
        let directory = URL(fileURLWithPath: lockPath).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            complain(
                "error: cannot create the folder \(directory.path) for the database: \(error.localizedDescription)")
            throw ExitCode(3)
        }
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else {
            complain("error: cannot create the lock file \(lockPath)")
            throw ExitCode(3)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            complain("error: another swarmd is serving \(path) (lock \(lockPath) is held)")
            throw ExitCode(3)
        }
        // The descriptor stays open, and the lock held, until the process exits.
    }
}

import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwarmConfiguration
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
            Once it accepts connections, prints 'listening on ws://HOST:PORT/v1/ws' (wss:// with TLS). If the database has no tokens yet, it first creates an admin token named 'admin' and prints it. Stops gracefully on SIGTERM or SIGINT: queued commands are committed before it exits.

            Examples:
              swarmd serve
              swarmd serve --host 0.0.0.0 --port 9000 --db /var/lib/swarm/swarm.sqlite
              swarmd serve --port 0      # any free port: read the 'listening on' line
              swarmd serve --config config/swarmd.example.yaml   # queues, settings
              swarmd serve --postgres postgres://swarm@db.example/swarm  # a cluster node
              swarmd serve --port 8443 --tls-cert hub.pem --tls-key hub-key.pem

            Settings (listed under SETTINGS below): each is a flag, or a key of the 'hub:' section of the --config file without the dashes ('hello-timeout: 5s'); a flag wins over the file. Durations are written 500ms, 90s, 15m, 4h or 2d. A bad value ends swarmd with exit status 64, a file it cannot use with 2.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(
        help: ArgumentHelp(
            "Configuration file (YAML): queues, routing modes, tier time limits, SLA targets, categories, alerts (docs/tiers.md), settings under 'hub:', outgoing webhooks under 'webhooks:' (docs/operations.md).",
            valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Skill taxonomy file (JSON); default: the one shipped with swarmd.", valueName: "file"))
    var taxonomy: String?

    /// Every setting (`--name value`), declared from the one table (SwarmConfiguration's `Settings`):
    /// ArgumentParser parses them, lists them in the help and checks each value with the table.
    @OptionGroup(title: "Settings") var settings: ServeOptions

    func validate() throws {
        // Each value was checked by ServeOptions; with a configuration file, what the settings say
        // together is checked once both are read.
        guard config == nil else { return }
        var settings = ServeSettings(taxonomy: .empty)
        do throws(SettingError) {
            try self.settings.apply(to: &settings)
            try settings.validate()
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The configuration file's settings, the flags' over them, and the files they name read.
    /// A bad file ends the command with status 2, a bad value with 64.
    private func loadSettings() throws -> (ServeSettings, HubConfiguration) {
        var settings = ServeSettings(taxonomy: .standard)
        var queues: QueueConfiguration?
        var webhooks: [WebhookConfiguration] = []
        do {
            if let config {
                let file = try QueueConfiguration.load(path: config)
                try file.applyHub(to: &settings, file: config)
                webhooks = try file.loadedWebhooks(file: config)
                queues = file
            }
            if let taxonomy { settings.hub.swarm.taxonomy = try Taxonomy.load(path: taxonomy) }
        } catch {
            complain("error: \(error)")
            throw ExitCode(2)
        }
        do throws(SettingError) {
            try self.settings.apply(to: &settings)
            try settings.validate()
        } catch {
            complain("error: \(error.message)")
            throw ExitCode(64)
        }
        queues?.apply(to: &settings.hub.swarm)
        settings.hub.webhooks = webhooks
        do throws(SettingError) {
            return (settings, try settings.loaded())
        } catch {
            complain("error: \(error.message)")
            throw ExitCode(2)
        }
    }

    func run() async throws {
        // Settings first: a bad file stops the hub before it touches the database.
        let (settings, configuration) = try loadSettings()
        Telemetry.bootstrapLogging(level: settings.logLevel, format: settings.logFormat)
        let hubTelemetry = Telemetry.bootstrapMetrics()
        let logger = Logger(label: "swarmd")
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
            // A log shorter than its high-water mark lost acknowledged commits: it gets a new epoch
            // before anything reads the old one, so no client resumes into reused seq numbers.
            if let sqlite = eventStore as? SQLiteEventStore {
                do {
                    if let rollback = try sqlite.guardAgainstRollback() {
                        logger.critical(
                            """
                            the event log went back: \(rollback); it gets a new epoch, so clients load again \
                            instead of resuming; restore a backup if those events matter (docs/operations.md, "Backups")
                            """,
                            metadata: ["swarm.seq": "\(rollback.found)", "swarm.seq.recorded": "\(rollback.recorded)"])
                    }
                } catch {
                    complain("error: cannot check the log of \(location) against its high-water mark: \(error)")
                    throw ExitCode(3)
                }
            }
            let hub: Hub
            do {
                hub = try await Hub(
                    store: eventStore, configuration: configuration, logger: logger, telemetry: hubTelemetry)
            } catch {
                // A corrupt page or a gap in the log: the database cannot be served as it is.
                complain("error: cannot replay the event log in \(location): \(error)")
                throw ExitCode(3)
            }
            let host = configuration.host
            let scheme = configuration.tls == nil ? "ws" : "wss"
            let app = hub.application { port in
                say("listening on \(scheme)://\(host):\(port)/v1/ws")
            }
            try await app.runService()
            logger.info("stopped", metadata: ["swarm.seq": "\(hub.ledger.snapshot.seq)"])
        }
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

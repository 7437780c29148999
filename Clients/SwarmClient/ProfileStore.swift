public import Foundation
public import SwarmProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One hub a user has logged in to.
public struct Profile: Codable, Sendable, Hashable {
    /// The hub, canonical (`http://host:port`).
    public var server: String
    /// The token secret.
    public var token: String
    /// Who the token is, as the hub said at login.
    public var agent: String?
    /// The token's role, as the hub said at login.
    public var role: Role?
    /// A PEM file of the CA (or self-signed certificate) to trust for a TLS hub, given at login.
    public var caCertificate: String?
    /// What notices reach this person and how, set by `swarm notify`; `nil` for the standard choice.
    public var notify: NoticePreferences?

    /// Creates a profile.
    public init(
        server: String, token: String, agent: String? = nil, role: Role? = nil, caCertificate: String? = nil,
        notify: NoticePreferences? = nil
    ) {
        self.server = server
        self.token = token
        self.agent = agent
        self.role = role
        self.caCertificate = caCertificate
        self.notify = notify
    }
}

/// The contents of `profiles.json`: named profiles and which one is used by default.
public struct ProfileFile: Codable, Sendable, Hashable {
    /// The profile used when no `--profile` or `SWARM_PROFILE` names one.
    public var current: String?
    public var profiles: [String: Profile]

    /// An empty file.
    public init(current: String? = nil, profiles: [String: Profile] = [:]) {
        self.current = current
        self.profiles = profiles
    }
}

/// What a command connects with, after profiles and environment are combined.
public struct Credentials: Sendable, Hashable {
    public var server: ServerAddress
    public var token: String
    /// The profile's name, when one was used.
    public var profile: String?
    /// Who the token is, as the hub said at login — known only when the token is the profile's own
    /// (not `SWARM_TOKEN`), so commands that need the user's id can skip a WebSocket `hello`.
    public var agent: String?
    /// A PEM file of certificates to trust besides the system's, for a TLS hub with a private CA
    /// or a self-signed certificate.
    public var caCertificate: String?

    /// Creates credentials.
    public init(
        server: ServerAddress, token: String, profile: String? = nil, agent: String? = nil,
        caCertificate: String? = nil
    ) {
        self.server = server
        self.token = token
        self.profile = profile
        self.agent = agent
        self.caCertificate = caCertificate
    }
}

/// Reads and writes the user's profiles in `$XDG_CONFIG_HOME/swarm/profiles.json`
/// (`~/.config/swarm/profiles.json` when `XDG_CONFIG_HOME` is unset).
///
/// The file holds tokens, so it is created with mode 0600 (its folder 0700) and replaced
/// atomically: a reader never sees half a file, and a crash never leaves one. Changes go through
/// ``update(_:)``, which reads, changes and writes under a lock: four `swarm login`s at once keep
/// four profiles, where reading and writing each on its own would keep only the last writer's.
public struct ProfileStore: Sendable {
    /// The profiles file.
    public let url: URL
    /// The profile name used when none is given.
    public static let defaultName = "default"

    /// A store at an explicit path.
    public init(url: URL) { self.url = url }

    /// The store the environment points to.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base: URL
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = URL(fileURLWithPath: xdg)
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".config")
        }
        self.init(url: base.appendingPathComponent("swarm").appendingPathComponent("profiles.json"))
    }

    /// The saved profiles; an empty file when there is none yet.
    public func load() throws(ClientError) -> ProfileFile {
        guard FileManager.default.fileExists(atPath: url.path) else { return ProfileFile() }
        do {
            return try JSONDecoder().decode(ProfileFile.self, from: Data(contentsOf: url))
        } catch {
            throw .failure("cannot read \(url.path): \(error.localizedDescription); fix or remove it and log in again")
        }
    }

    /// Reads the profiles, lets `change` change them, and writes them back, all under an exclusive
    /// lock (`flock` on `profiles.json.lock` beside the file), so that another `swarm` changing them
    /// at the same time waits instead of overwriting this change with its own older copy.
    @discardableResult
    public func update<Result>(_ change: (inout ProfileFile) throws(ClientError) -> Result) throws(ClientError)
        -> Result
    {
        let lock = try takeLock()
        defer { close(lock) }  // closing the descriptor releases the lock
        var file = try load()
        let result = try change(&file)
        try save(file)
        return result
    }

    /// Opens (creating it, mode 0600) the lock file and waits for its exclusive lock.
    private func takeLock() throws(ClientError) -> Int32 {
        let directory = url.deletingLastPathComponent()
        let path = url.path + ".lock"
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .failure("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .failure("cannot lock \(path): \(reason)")
            }
        }
        return fd
    }

    /// Writes the profiles: a temporary file with mode 0600 in the same folder, then a rename.
    /// Changes that read the file first go through ``update(_:)``.
    public func save(_ file: ProfileFile) throws(ClientError) {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let data = try SwarmJSON.encoder().encode(file)
            // A name no other writer uses, even one that does not take the lock.
            let temporary = directory.appendingPathComponent(
                ".profiles.json.\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
            let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd)
            close(fd)
            guard written == data.count, synced == 0 else {
                unlink(temporary.path)
                throw POSIXError(.EIO)
            }
            guard rename(temporary.path, url.path) == 0 else {
                unlink(temporary.path)
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        } catch {
            throw .failure("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// The notice preferences of the profile `credentials` came from; the standard ones when they
    /// came from the environment alone or the profile has none saved.
    public func noticePreferences(for credentials: Credentials) throws(ClientError) -> NoticePreferences {
        guard let name = credentials.profile else { return .standard }
        return try load().profiles[name]?.notify ?? .standard
    }

    /// The server and token a command uses: `SWARM_SERVER` and `SWARM_TOKEN` override the profile
    /// named by `name`, `SWARM_PROFILE`, the file's current profile, or `default`, in that order;
    /// `SWARM_CA_CERT` overrides the profile's CA certificate.
    public func credentials(
        profile name: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClientError) -> Credentials {
        let file = try load()
        let chosen = name ?? environment["SWARM_PROFILE"] ?? file.current ?? Self.defaultName
        let profile = file.profiles[chosen]
        let envServer = environment["SWARM_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        let envToken = environment["SWARM_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        guard let serverText = envServer ?? profile?.server, let token = envToken ?? profile?.token else {
            if let name, profile == nil {
                throw .notLoggedIn(
                    "no profile '\(name)' in \(url.path); run 'swarm login --profile \(name) --server URL --token TOKEN'"
                )
            }
            throw .notLoggedIn(
                "not logged in; run 'swarm login --server URL --token TOKEN', or set SWARM_SERVER and SWARM_TOKEN")
        }
        guard let server = ServerAddress(serverText) else {
            throw .usage("'\(serverText)' is not a hub address; use http://HOST:PORT")
        }
        return Credentials(
            server: server, token: token, profile: profile == nil ? nil : chosen,
            agent: token == profile?.token ? profile?.agent : nil,
            caCertificate: environment["SWARM_CA_CERT"].flatMap { $0.isEmpty ? nil : $0 } ?? profile?.caCertificate)
    }
}

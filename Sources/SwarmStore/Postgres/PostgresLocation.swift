import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is, parsed once from a URL:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
///
/// `postgresql://` is accepted too. The port defaults to 5432, `sslmode` to `prefer` (as libpq's).
/// A password in the URL is percent-decoded; it is never printed (``redacted``).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    /// Parses `url`; every problem is a ``StoreError`` `invalid_location` naming what is wrong.
    public init(url text: String) throws(StoreError) {
        func invalid(_ problem: String) -> StoreError {
            StoreError(
                .invalidLocation,
                "\(problem); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]")
        }
        guard let components = URLComponents(string: text) else { throw invalid("the PostgreSQL URL is not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the PostgreSQL URL must start with postgres://")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("the PostgreSQL URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("the PostgreSQL URL has no user name") }
        if let port = components.port, !(1...65535).contains(port) {
            throw invalid("the PostgreSQL URL's port \(port) is not between 1 and 65535")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw invalid("the PostgreSQL URL names no database (…/DATABASE)")
        }
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw invalid("the PostgreSQL URL's parameter '\(item.name)' is unknown")
            }
            guard let value = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw invalid("sslmode must be disable, prefer or require, not '\(item.value ?? "")'")
            }
            mode = value
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.tlsMode = mode
    }

    /// The URL without its password, for messages and logs.
    public var redacted: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
            + (tlsMode == .prefer ? "" : "?sslmode=\(tlsMode.rawValue)")
    }

    public var description: String { redacted }

    /// The same server with another database (tests create one database per test).
    public func with(database: String) -> PostgresLocation {
        var copy = self
        copy.database = database
        return copy
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

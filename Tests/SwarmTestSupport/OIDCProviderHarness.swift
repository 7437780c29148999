public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real OpenID Connect provider for the tests (Tests/support/oidc_provider.py; docs/sign-in.md): Authlib's
/// server components on 127.0.0.1 and a free port — discovery, JWKS, the code flow with PKCE and nonce, refresh
/// tokens, the device authorization grant (RFC 8628), revocation, userinfo and RP-initiated logout, RS256 ID
/// tokens signed by a key made at start. Needs the Python packages scripts/bootstrap-test pins. Each ``with(_:_:)``
/// (or ``Provider/start(_:)``) starts its own, so tests run in parallel with their own users and clients.
///
/// What a person does in a browser — signing in on the provider's form, approving a device code — the
/// ``Provider`` does over HTTP (``Provider/signIn(at:username:password:)``,
/// ``Provider/approveDevice(userCode:username:password:)``); the admin API changes users and clients while a
/// test runs and spoils the next ID token on purpose (``Provider/spoilNextIDToken(_:)``).
public enum OIDCProviderHarness {
    /// The provider's script.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("support/oidc_provider.py").path
    }

    private static let availability = Task<Bool, Never> {
        let check = try? await PostgresTestDatabase.run(
            "python3", ["-c", "import authlib.oauth2.rfc8628, authlib.oidc.rpinitiated, flask, joserfc, werkzeug"])
        return check?.status == 0
    }

    /// Whether python3 has the packages the provider is built on (scripts/bootstrap-test installs them).
    public static var isAvailable: Bool {
        get async { await availability.value }
    }

    /// A claim's value: text, a number, a truth value, or a list of texts (as groups are). Written as a literal:
    /// `["swarm_role": "lead", "groups": ["it", "leads"], "email_verified": true]`.
    public enum Claim: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
        ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
    {
        case string(String)
        case int(Int)
        case bool(Bool)
        case strings([String])

        public init(stringLiteral value: String) { self = .string(value) }
        public init(integerLiteral value: Int) { self = .int(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }
        public init(arrayLiteral elements: String...) { self = .strings(elements) }

        var json: Any {
            switch self {
            case .string(let value): value
            case .int(let value): value
            case .bool(let value): value
            case .strings(let value): value
            }
        }
    }

    /// A person with an account at the provider.
    public struct User: Sendable {
        /// The subject: `sub` in her tokens.
        public var sub: String
        /// What she types on the sign-in form.
        public var username: String
        public var password: String
        /// A disabled account cannot sign in, and its refresh and access tokens are refused.
        public var enabled: Bool
        /// Her claims. The standard ones (`email`, `name`, `preferred_username`, …) are released by their scope;
        /// any other (`swarm_role`, `groups`) is in every ID token and userinfo answer.
        public var claims: [String: Claim]

        public init(
            sub: String, username: String? = nil, password: String = "password", enabled: Bool = true,
            claims: [String: Claim] = [:]
        ) {
            self.sub = sub
            self.username = username ?? sub
            self.password = password
            self.enabled = enabled
            self.claims = claims
        }

        var json: [String: Any] {
            [
                "sub": sub, "username": username, "password": password, "enabled": enabled,
                "claims": claims.mapValues(\.json),
            ]
        }
    }

    /// A client (relying party) registered at the provider.
    public struct Client: Sendable {
        public var id: String
        /// Its secret, for `client_secret_basic` or `client_secret_post`; `nil` for a public client (`none`), as
        /// a terminal is.
        public var secret: String?
        /// Where the provider may send the browser back with a code: exactly these.
        public var redirectURIs: [String]
        /// Where `end_session` may send the browser afterwards: exactly these.
        public var postLogoutRedirectURIs: [String]

        public init(
            id: String, secret: String? = nil, redirectURIs: [String] = [], postLogoutRedirectURIs: [String] = []
        ) {
            self.id = id
            self.secret = secret
            self.redirectURIs = redirectURIs
            self.postLogoutRedirectURIs = postLogoutRedirectURIs
        }

        var json: [String: Any] {
            var object: [String: Any] = [
                "client_id": id, "redirect_uris": redirectURIs, "post_logout_redirect_uris": postLogoutRedirectURIs,
            ]
            if let secret { object["client_secret"] = secret }
            return object
        }
    }

    /// What a provider starts with. The defaults are strict: PKCE (S256) and a nonce required of every
    /// client, refresh tokens rotated (the old one refused once used).
    public struct Configuration: Sendable {
        public var clients: [Client]
        public var users: [User]
        public var requirePKCE = true
        public var requireNonce = true
        public var rotateRefreshTokens = true
        /// Lifetimes, in seconds.
        public var idTokenLifetime = 300
        public var accessTokenLifetime = 300
        public var refreshTokenLifetime = 86_400
        public var deviceCodeLifetime = 600
        /// The device grant's polling interval (RFC 8628 3.2), in seconds: 1 rather than the usual 5, so tests
        /// wait less. A poll sooner than that is answered `slow_down` and adds 5 seconds.
        public var deviceInterval = 1

        public init(clients: [Client] = [], users: [User] = []) {
            self.clients = clients
            self.users = users
        }

        func json(adminToken: String) -> [String: Any] {
            [
                "clients": clients.map(\.json), "users": users.map(\.json), "admin_token": adminToken,
                "require_pkce": requirePKCE, "require_nonce": requireNonce,
                "rotate_refresh_tokens": rotateRefreshTokens, "id_token_lifetime": idTokenLifetime,
                "access_token_lifetime": accessTokenLifetime, "refresh_token_lifetime": refreshTokenLifetime,
                "device_code_lifetime": deviceCodeLifetime, "device_interval": deviceInterval,
            ]
        }
    }

    /// What the provider's discovery document (`/.well-known/openid-configuration`) says.
    public struct Discovery: Sendable, Decodable {
        public var issuer: String
        public var authorizationEndpoint: URL
        public var tokenEndpoint: URL
        public var userinfoEndpoint: URL
        public var jwksUri: URL
        public var endSessionEndpoint: URL
        public var revocationEndpoint: URL
        public var deviceAuthorizationEndpoint: URL
        public var grantTypesSupported: [String]
        public var codeChallengeMethodsSupported: [String]
        public var idTokenSigningAlgValuesSupported: [String]
        public var scopesSupported: [String]
    }

    /// How the next ID token the provider issues is spoiled, for a test that the client refuses it. Every
    /// field left as it is changes nothing.
    public struct IDTokenSpoiler: Sendable {
        /// Claims set to these values (`aud`, `iss`, `nonce`, …).
        public var claims: [String: Claim] = [:]
        /// Claims left out.
        public var remove: [String] = []
        /// `exp` this many seconds from now (negative: already expired), `iat` ten minutes before it.
        public var expiresIn: Int?
        /// Signed by another RSA key under the provider's key id: a signature that does not verify.
        public var foreignKey = false
        /// `alg: none`, no signature at all.
        public var unsigned = false
        /// The previous ID token again, as it was.
        public var replay = false

        public init() {}

        /// For another audience.
        public static func audience(_ audience: String) -> Self { with { $0.claims["aud"] = .string(audience) } }
        /// With another nonce.
        public static func nonce(_ nonce: String) -> Self { with { $0.claims["nonce"] = .string(nonce) } }
        /// From another issuer.
        public static func issuer(_ issuer: String) -> Self { with { $0.claims["iss"] = .string(issuer) } }
        /// Expired a minute ago.
        public static var expired: Self { with { $0.expiresIn = -60 } }
        /// Signed by a key the JWKS does not have.
        public static var foreignSignature: Self { with { $0.foreignKey = true } }
        /// Not signed (`alg: none`).
        public static var unsignedToken: Self { with { $0.unsigned = true } }
        /// The ID token issued before, again.
        public static var replayed: Self { with { $0.replay = true } }

        private static func with(_ change: (inout Self) -> Void) -> Self {
            var spoiler = Self()
            change(&spoiler)
            return spoiler
        }

        var json: [String: Any] {
            var object: [String: Any] = ["claims": claims.mapValues(\.json), "remove": remove]
            if let expiresIn { object["exp_offset"] = expiresIn }
            if foreignKey { object["signing_key"] = "foreign" }
            if unsigned { object["alg"] = "none" }
            if replay { object["replay"] = true }
            return object
        }
    }

    /// One thing the provider saw happen, from its event log: `login`, `login.failed`, `login.refused`,
    /// `code.issued`, `code.reused`, `token.issued`, `refresh.refused`, `token.revoked`, `device.issued`,
    /// `device.approved`, `device.denied`, `device.slow_down`, `end_session`, `session.ended`, `id_token.spoiled`,
    /// `admin.…`.
    public struct Event: Sendable {
        public var name: String
        /// Its details as text (`sub`, `client_id`, `grant_type`, `reason`, …).
        public var fields: [String: String]
    }

    /// The provider's sign-in or device page said no (wrong password, a disabled account, an unknown code).
    public struct Refusal: Error, CustomStringConvertible {
        public var status: Int
        /// The page's message.
        public var message: String
        public var description: String { "the provider refused (\(status)): \(message)" }
    }

    /// Starts a provider with `configuration`, runs `body` with it, and stops it afterwards however `body`
    /// ends.
    public static func with<T: Sendable>(
        _ configuration: Configuration, _ body: (Provider) async throws -> T
    ) async throws -> T {
        let provider = try await Provider.start(configuration)
        do {
            let result = try await body(provider)
            await provider.stop()
            return result
        } catch {
            await provider.stop()
            throw error
        }
    }

    /// A running provider. Stopped by ``stop()``, or killed when released.
    public final class Provider: Sendable {
        private let process: ChildProcess
        /// `http://127.0.0.1:PORT`: the issuer, and the base of every endpoint.
        public let issuer: String
        /// The bearer token of the admin API (random, per provider).
        let adminToken: String

        private init(process: ChildProcess, issuer: String, adminToken: String) {
            self.process = process
            self.issuer = issuer
            self.adminToken = adminToken
        }

        /// Starts a provider and waits (up to 60 s: Python, Flask and Authlib load, and two RSA keys are made)
        /// until it says where it listens.
        public static func start(_ configuration: Configuration) async throws -> Provider {
            let adminToken = UUID().uuidString
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "swarm-oidc-\(UUID().uuidString.prefix(8)).json")
            // The clients' secrets and the admin token: readable by the owner only, and gone once read.
            let data = try JSONSerialization.data(
                withJSONObject: configuration.json(adminToken: adminToken), options: [.sortedKeys])
            guard
                FileManager.default.createFile(
                    atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600])
            else { throw TestFailure("could not write \(file.path)") }
            defer { try? FileManager.default.removeItem(at: file) }
            // env runs python3 in its own place (exec), so the provider's parent is this process, and
            // --exit-with-parent ends it if the test runner is killed before it could stop it.
            let process = ChildProcess(
                "/usr/bin/env", ["python3", OIDCProviderHarness.script, "--config", file.path, "--exit-with-parent"])
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                let output = process.output.value
                if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                    return Provider(
                        process: process, issuer: String(line.dropFirst("listening on ".count)), adminToken: adminToken)
                }
                guard process.isRunning else {
                    let status = try await process.wait()
                    throw TestFailure("oidc_provider.py exited (\(status)): \(process.errors.value)")
                }
                guard ContinuousClock.now < deadline else {
                    process.send(SIGKILL)
                    throw TestFailure("oidc_provider.py did not start within 60 s: \(process.errors.value)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        /// What the provider logged (each request, each event) on standard error so far.
        public var log: String { process.errors.value }

        /// Whether it still runs.
        public var isRunning: Bool { process.isRunning }

        /// `issuer` + `path`.
        public func url(_ path: String) -> URL { URL(string: issuer + path)! }

        /// Stops it (SIGTERM, SIGKILL after 5 s) and waits for it to exit.
        public func stop() async { await process.stop() }

        // Released while it runs, it is killed: ``ChildProcess`` does that when it is released.

        /// The discovery document.
        public func discovery() async throws -> Discovery {
            let response = try await PlainHTTP.get(url("/.well-known/openid-configuration"))
            guard response.status == 200 else { throw TestFailure("discovery: \(response.status) \(response.text)") }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Discovery.self, from: response.body)
        }

        /// Signs `username` in on the provider's sign-in form for `authorizationURL` — the authorization request
        /// a client sent the browser to — as her browser would, and returns where the provider then sends the
        /// browser: the client's redirect URI with `code` and `state`, or with `error` (an invalid request is
        /// answered so before any form). Throws a ``Refusal`` when the form refuses her (wrong password: 401; a
        /// disabled account: 403), and a failure for a request the provider will not redirect back (an unknown
        /// client or redirect URI).
        public func signIn(at authorizationURL: URL, username: String, password: String) async throws -> URL {
            try await answerSignIn(
                at: authorizationURL, [("username", username), ("password", password), ("action", "login")])
        }

        /// Cancels the sign-in on the provider's form, as a person would; returns the client's redirect URI with
        /// `error=access_denied`.
        public func cancelSignIn(at authorizationURL: URL) async throws -> URL {
            try await answerSignIn(at: authorizationURL, [("action", "deny")])
        }

        private func answerSignIn(at authorizationURL: URL, _ fields: [(String, String)]) async throws -> URL {
            let form = try await PlainHTTP.get(authorizationURL)
            if let location = form.location(relativeTo: authorizationURL) { return location }
            guard form.status == 200, form.text.contains("id='sign-in'") else {
                throw TestFailure("the authorization request was refused (\(form.status)): \(Self.message(form))")
            }
            // The form posts back to the authorization URL itself: the request stays in the query.
            let answer = try await PlainHTTP.postForm(authorizationURL, fields)
            if let location = answer.location(relativeTo: authorizationURL) { return location }
            throw Refusal(status: answer.status, message: Self.message(answer))
        }

        /// Approves the device code `userCode` on the provider's verification page (`verification_uri`) as
        /// `username`, as she would on her phone. Throws a ``Refusal`` for a wrong password, a disabled
        /// account, or a code that is unknown, expired or already used.
        public func approveDevice(userCode: String, username: String, password: String) async throws {
            try await answerDevice(userCode: userCode, username: username, password: password, action: "approve")
        }

        /// Denies the device code `userCode`: the device's next poll is answered `access_denied`.
        public func denyDevice(userCode: String, username: String, password: String) async throws {
            try await answerDevice(userCode: userCode, username: username, password: password, action: "deny")
        }

        private func answerDevice(userCode: String, username: String, password: String, action: String) async throws {
            let answer = try await PlainHTTP.postForm(
                url("/device"),
                [("user_code", userCode), ("username", username), ("password", password), ("action", action)])
            guard answer.status == 200, answer.text.contains("id='done'") else {
                throw Refusal(status: answer.status, message: Self.message(answer))
            }
        }

        /// The text of a page's `id='error'` paragraph, else the whole body.
        private static func message(_ response: PlainHTTP.Response) -> String {
            let text = response.text
            guard let start = text.range(of: "id='error'>"), let end = text[start.upperBound...].range(of: "</p>")
            else { return text }
            return String(text[start.upperBound..<end.lowerBound])
        }

        // The admin API.

        private func admin(_ method: String, _ path: String, _ body: Any? = nil) async throws -> PlainHTTP.Response {
            let headers = ["Authorization": "Bearer \(adminToken)"]
            let response =
                if let body {
                    try await PlainHTTP.sendJSON(method, url("/admin" + path), body, headers: headers)
                } else {
                    try await PlainHTTP.get(url("/admin" + path), headers: headers)
                }
            guard response.status == 200 else {
                throw TestFailure("\(method) /admin\(path): \(response.status) \(response.text)")
            }
            return response
        }

        /// Adds `user`, or replaces the user with her `sub`.
        public func setUser(_ user: User) async throws {
            _ = try await admin("PUT", "/users/\(PlainHTTP.percentEncoded(user.sub))", user.json)
        }

        /// Disables the account `sub`, as an administrator at the provider would: she cannot sign in, her
        /// refresh tokens are answered `invalid_grant`, her access tokens are refused at userinfo.
        public func disable(_ sub: String) async throws {
            _ = try await admin("PATCH", "/users/\(PlainHTTP.percentEncoded(sub))", ["enabled": false])
        }

        /// Enables the account `sub` again.
        public func enable(_ sub: String) async throws {
            _ = try await admin("PATCH", "/users/\(PlainHTTP.percentEncoded(sub))", ["enabled": true])
        }

        /// Changes some claims of `sub` (`nil` removes one); the others stay. Tokens issued from then on carry
        /// them — an ID token from a refresh too.
        public func changeClaims(of sub: String, _ claims: [String: Claim?]) async throws {
            let values: [String: Any] = claims.mapValues { $0?.json ?? NSNull() }
            _ = try await admin("PATCH", "/users/\(PlainHTTP.percentEncoded(sub))", ["claims": values])
        }

        /// Adds `client`, or replaces the client with its id: for a redirect URI known only once the hub has
        /// its port.
        public func setClient(_ client: Client) async throws {
            _ = try await admin("PUT", "/clients/\(PlainHTTP.percentEncoded(client.id))", client.json)
        }

        /// Spoils the next ID token the provider issues (whatever the grant or client); several calls queue.
        public func spoilNextIDToken(_ spoiler: IDTokenSpoiler) async throws {
            _ = try await admin("POST", "/next-id-token", spoiler.json)
        }

        /// What the provider saw happen so far, oldest first.
        public func events() async throws -> [Event] {
            let response = try await admin("GET", "/events")
            let list = try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]] ?? []
            return list.map { entry in
                var fields: [String: String] = [:]
                for (name, value) in entry where name != "event" { fields[name] = "\(value)" }
                return Event(name: entry["event"] as? String ?? "", fields: fields)
            }
        }
    }
}

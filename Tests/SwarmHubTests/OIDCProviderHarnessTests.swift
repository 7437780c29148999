import Crypto
import Foundation
import SwarmTestSupport
import Synchronization
import Testing
import _CryptoExtras

/// The test OpenID Connect provider (Tests/support/oidc_provider.py, `OIDCProviderHarness`) through its real
/// endpoints over real HTTP, as issue 29's hub will use it: what its tests may take for granted. Every ID token
/// here is checked as a relying party must check it — RS256 against the key the JWKS publishes under the token's
/// `kid` (swift-crypto's `_CryptoExtras`), then `iss`, `aud`, `exp` and `nonce`.
@Suite("The test OpenID Connect provider", .enabled { await OIDCProviderHarness.isAvailable })
struct OIDCProviderHarnessTests {
    typealias Harness = OIDCProviderHarness

    /// The hub, a confidential client; the terminal, a public one (the device grant).
    static let hub = Harness.Client(
        id: "swarmd", secret: "hub's secret", redirectURIs: ["http://127.0.0.1:9/auth/callback"],
        postLogoutRedirectURIs: ["http://127.0.0.1:9/signed-out"])
    static let terminal = Harness.Client(id: "swarm-cli")
    static let ada = Harness.User(
        sub: "u-ada", username: "ada", password: "ada's password",
        claims: [
            "email": "ada@example.com", "name": "Ada Lovelace", "swarm_role": "lead", "groups": ["it", "leads"],
        ])
    static let configuration = Harness.Configuration(clients: [hub, terminal], users: [ada])

    @Test("discovery names every endpoint, the device authorization endpoint too, and the JWKS has an RS256 key")
    func discovery() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            #expect(provider.issuer.hasPrefix("http://127.0.0.1:"))
            #expect(discovery.issuer == provider.issuer)
            #expect(discovery.authorizationEndpoint == provider.url("/authorize"))
            #expect(discovery.tokenEndpoint == provider.url("/token"))
            #expect(discovery.deviceAuthorizationEndpoint == provider.url("/device_authorization"))
            #expect(discovery.endSessionEndpoint == provider.url("/end_session"))
            #expect(discovery.revocationEndpoint == provider.url("/revoke"))
            #expect(discovery.userinfoEndpoint == provider.url("/userinfo"))
            #expect(discovery.codeChallengeMethodsSupported == ["S256"])
            #expect(discovery.idTokenSigningAlgValuesSupported == ["RS256"])
            #expect(
                Set(discovery.grantTypesSupported)
                    == ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"])
            let keys = try await JWKS.fetch(discovery.jwksUri)
            #expect(keys.count == 1)
            let key = try #require(keys.values.first)
            #expect(key.keySizeInBits == 2048)
        }
    }

    @Test(
        "the code flow with PKCE S256: Ada signs in, and the ID token is signed by the JWKS's key, for the hub, with the nonce and her role"
    )
    func codeFlow() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            let pkce = PKCE()
            let request = AuthorizationRequest(client: Self.hub, pkce: pkce)
            // The form first, as her browser sees it: a sign-in page, no redirect yet.
            let page = try await PlainHTTP.get(request.url(discovery))
            #expect(page.status == 200)
            #expect(page.text.contains("name='username'") && page.text.contains("name='password'"))

            let back = try await provider.signIn(
                at: request.url(discovery), username: "ada", password: "ada's password")
            #expect(back.absoluteString.hasPrefix("http://127.0.0.1:9/auth/callback?"))
            #expect(query(back)["state"] == request.state)
            let code = try #require(query(back)["code"])

            // A wrong verifier is refused: the provider really checks PKCE.
            let stolen = try await exchange(code, verifier: PKCE().verifier, discovery)
            #expect(stolen.status == 400)
            #expect(try stolen.json()["error"] as? String == "invalid_grant")

            let back2 = try await provider.signIn(
                at: request.url(discovery), username: "ada", password: "ada's password")
            #expect(query(back2)["error"] == "invalid_request", "the same nonce twice is a replay")
            let fresh = AuthorizationRequest(client: Self.hub, pkce: pkce)
            let back3 = try await provider.signIn(at: fresh.url(discovery), username: "ada", password: "ada's password")
            let code2 = try #require(query(back3)["code"])
            let tokens = try await exchange(code2, verifier: pkce.verifier, discovery)
            #expect(tokens.status == 200, "\(tokens.text)")
            let body = try tokens.json()
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["refresh_token"] is String)

            let claims = try await IDToken.verify(
                try #require(body["id_token"] as? String), discovery: discovery, audience: Self.hub.id,
                nonce: fresh.nonce)
            #expect(claims["sub"] as? String == "u-ada")
            #expect(claims["swarm_role"] as? String == "lead")
            #expect(claims["groups"] as? [String] == ["it", "leads"])
            #expect(claims["email"] as? String == "ada@example.com")
            #expect(claims["name"] as? String == "Ada Lovelace")

            // The code is good once.
            let again = try await exchange(code2, verifier: pkce.verifier, discovery)
            #expect(again.status == 400)
        }
    }

    @Test("an authorization request without PKCE, or with the plain method, is sent back with an error")
    func pkceRequired() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            var request = AuthorizationRequest(client: Self.hub, pkce: PKCE())
            request.challengeMethod = nil
            request.challenge = nil
            let none = try await provider.signIn(
                at: request.url(discovery), username: "ada", password: "ada's password")
            #expect(query(none)["error"] == "invalid_request")
            #expect(query(none)["state"] == request.state)
            request = AuthorizationRequest(client: Self.hub, pkce: PKCE())
            request.challengeMethod = "plain"
            let plain = try await provider.signIn(
                at: request.url(discovery), username: "ada", password: "ada's password")
            #expect(query(plain)["error"] == "invalid_request")
        }
    }

    @Test("the device grant (RFC 8628): pending, approved by Ada, then tokens; denied, then access_denied")
    func deviceGrant() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            let started = try await PlainHTTP.postForm(
                discovery.deviceAuthorizationEndpoint, [("client_id", "swarm-cli"), ("scope", "openid profile")])
            #expect(started.status == 200, "\(started.text)")
            let device = try started.json()
            let deviceCode = try #require(device["device_code"] as? String)
            let userCode = try #require(device["user_code"] as? String)
            #expect(device["verification_uri"] as? String == provider.issuer + "/device")
            #expect(device["verification_uri_complete"] as? String == provider.issuer + "/device?user_code=" + userCode)
            #expect(device["interval"] as? Int == 1)

            let poll = { try await PlainHTTP.postForm(discovery.tokenEndpoint, self.devicePoll(deviceCode)) }
            let pending = try await poll()
            #expect(pending.status == 400)
            #expect(try pending.json()["error"] as? String == "authorization_pending")

            // On her phone; the code typed in lower case, as people do.
            try await provider.approveDevice(
                userCode: userCode.lowercased(), username: "ada", password: "ada's password")
            try await Task.sleep(for: .milliseconds(1_100))
            let granted = try await poll()
            #expect(granted.status == 200, "\(granted.text)")
            let tokens = try granted.json()
            #expect(tokens["refresh_token"] is String)
            let claims = try await IDToken.verify(
                try #require(tokens["id_token"] as? String), discovery: discovery, audience: "swarm-cli", nonce: nil)
            #expect(claims["sub"] as? String == "u-ada")
            #expect(claims["swarm_role"] as? String == "lead")

            // A denied code is answered access_denied; a wrong password is refused on the page.
            let third = try await PlainHTTP.postForm(
                discovery.deviceAuthorizationEndpoint, [("client_id", "swarm-cli")])
            let thirdDevice = try third.json()
            await #expect(throws: Harness.Refusal.self) {
                try await provider.approveDevice(
                    userCode: thirdDevice["user_code"] as? String ?? "", username: "ada", password: "wrong")
            }
            try await provider.denyDevice(
                userCode: thirdDevice["user_code"] as? String ?? "", username: "ada", password: "ada's password")
            let denied = try await PlainHTTP.postForm(
                discovery.tokenEndpoint, devicePoll(thirdDevice["device_code"] as? String ?? ""))
            #expect(try denied.json()["error"] as? String == "access_denied")
        }
    }

    @Test("a device that polls sooner than the interval is told to slow_down")
    func deviceSlowDown() async throws {
        // An interval no machine is slow enough to exceed between two polls in a row.
        var configuration = Self.configuration
        configuration.deviceInterval = 30
        try await Harness.with(configuration) { provider in
            let discovery = try await provider.discovery()
            let started = try await PlainHTTP.postForm(
                discovery.deviceAuthorizationEndpoint, [("client_id", "swarm-cli")])
            let deviceCode = try #require(try started.json()["device_code"] as? String)
            let first = try await PlainHTTP.postForm(discovery.tokenEndpoint, devicePoll(deviceCode))
            #expect(try first.json()["error"] as? String == "authorization_pending")
            let hasty = try await PlainHTTP.postForm(discovery.tokenEndpoint, devicePoll(deviceCode))
            #expect(try hasty.json()["error"] as? String == "slow_down")
            let events = try await provider.events()
            #expect(events.contains { $0.name == "device.slow_down" && $0.fields["interval"] == "35" })
        }
    }

    @Test("a refresh token works, with her new claims, until her account is disabled at the provider")
    func refreshUntilDisabled() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            let first = try await signedIn(provider, discovery)
            let refreshToken = try #require(first["refresh_token"] as? String)

            try await provider.changeClaims(of: "u-ada", ["swarm_role": "agent"])
            let refreshed = try await refresh(refreshToken, discovery)
            #expect(refreshed.status == 200, "\(refreshed.text)")
            let tokens = try refreshed.json()
            let claims = try await IDToken.verify(
                try #require(tokens["id_token"] as? String), discovery: discovery, audience: Self.hub.id, nonce: nil)
            #expect(claims["swarm_role"] as? String == "agent")
            #expect(claims["nonce"] == nil)
            // Rotated: the old refresh token is spent.
            let spent = try await refresh(refreshToken, discovery)
            #expect(try spent.json()["error"] as? String == "invalid_grant")

            let newRefreshToken = try #require(tokens["refresh_token"] as? String)
            let accessToken = try #require(tokens["access_token"] as? String)
            let userinfo = try await PlainHTTP.get(
                discovery.userinfoEndpoint, headers: ["Authorization": "Bearer \(accessToken)"])
            #expect(try userinfo.json()["swarm_role"] as? String == "agent")

            try await provider.disable("u-ada")
            let refused = try await refresh(newRefreshToken, discovery)
            #expect(refused.status == 400)
            #expect(try refused.json()["error"] as? String == "invalid_grant")
            let userinfoRefused = try await PlainHTTP.get(
                discovery.userinfoEndpoint, headers: ["Authorization": "Bearer \(accessToken)"])
            #expect(userinfoRefused.status == 401)
            let request = AuthorizationRequest(client: Self.hub, pkce: PKCE())
            let refusal = await #expect(throws: Harness.Refusal.self) {
                _ = try await provider.signIn(at: request.url(discovery), username: "ada", password: "ada's password")
            }
            #expect(refusal?.status == 403)
            let events = try await provider.events()
            #expect(events.contains { $0.name == "refresh.refused" && $0.fields["reason"] == "disabled" })
        }
    }

    @Test(
        "end_session with the ID token as hint: back to the client with its state, and the session's refresh token refused"
    )
    func endSession() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            let tokens = try await signedIn(provider, discovery)
            let idToken = try #require(tokens["id_token"] as? String)
            var logout = URLComponents(url: discovery.endSessionEndpoint, resolvingAgainstBaseURL: false)!
            logout.queryItems = [
                URLQueryItem(name: "id_token_hint", value: idToken),
                URLQueryItem(name: "post_logout_redirect_uri", value: "http://127.0.0.1:9/signed-out"),
                URLQueryItem(name: "state", value: "bye-1"),
            ]
            let answer = try await PlainHTTP.get(logout.url!)
            #expect(answer.status == 302)
            #expect(answer.location()?.absoluteString == "http://127.0.0.1:9/signed-out?state=bye-1")
            let refused = try await refresh(try #require(tokens["refresh_token"] as? String), discovery)
            #expect(try refused.json()["error"] as? String == "invalid_grant")
            let events = try await provider.events().map(\.name)
            #expect(events.contains("end_session") && events.contains("session.ended"))

            // A post-logout URI the client did not register is never redirected to.
            logout.queryItems![1].value = "http://127.0.0.1:9/elsewhere"
            let elsewhere = try await PlainHTTP.get(logout.url!)
            #expect(elsewhere.status == 200)
            #expect(elsewhere.location() == nil)
        }
    }

    @Test("spoiled ID tokens, for the hub's refusal tests: a foreign signature, another audience, expired, replayed")
    func spoiledIDTokens() async throws {
        try await Harness.with(Self.configuration) { provider in
            let discovery = try await provider.discovery()
            try await provider.spoilNextIDToken(.foreignSignature)
            let foreign = try #require(try await signedIn(provider, discovery)["id_token"] as? String)
            await #expect(throws: IDToken.Invalid.signature) {
                _ = try await IDToken.verify(foreign, discovery: discovery, audience: Self.hub.id, nonce: nil)
            }
            try await provider.spoilNextIDToken(.audience("someone-else"))
            let other = try #require(try await signedIn(provider, discovery)["id_token"] as? String)
            await #expect(throws: IDToken.Invalid.audience) {
                _ = try await IDToken.verify(other, discovery: discovery, audience: Self.hub.id, nonce: nil)
            }
            try await provider.spoilNextIDToken(.expired)
            let expired = try #require(try await signedIn(provider, discovery)["id_token"] as? String)
            await #expect(throws: IDToken.Invalid.expired) {
                _ = try await IDToken.verify(expired, discovery: discovery, audience: Self.hub.id, nonce: nil)
            }
            try await provider.spoilNextIDToken(.replayed)
            let replayed = try #require(try await signedIn(provider, discovery)["id_token"] as? String)
            #expect(replayed == expired)
            // And the next one is whole again.
            let whole = try #require(try await signedIn(provider, discovery)["id_token"] as? String)
            _ = try await IDToken.verify(whole, discovery: discovery, audience: Self.hub.id, nonce: nil)
        }
    }

    @Test("the provider is stopped when the test's body ends, and when it throws")
    func stopped() async throws {
        let provider = try await Harness.with(Self.configuration) { $0 }
        #expect(!provider.isRunning)
        let started = Mutex<Harness.Provider?>(nil)
        await #expect(throws: TestFailure.self) {
            try await Harness.with(Self.configuration) { provider in
                started.withLock { $0 = provider }
                throw TestFailure("on purpose")
            }
        }
        #expect(started.withLock { $0?.isRunning } == false)
    }

    // The client's side, as the hub will do it.

    func devicePoll(_ deviceCode: String) -> [(String, String)] {
        [
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode),
            ("client_id", "swarm-cli"),
        ]
    }

    /// The hub's client authentication (`client_secret_basic`).
    var hubAuthorization: [String: String] {
        ["Authorization": PlainHTTP.basicAuthorization(user: Self.hub.id, password: Self.hub.secret!)]
    }

    func exchange(_ code: String, verifier: String, _ discovery: Harness.Discovery) async throws -> PlainHTTP.Response {
        try await PlainHTTP.postForm(
            discovery.tokenEndpoint,
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.hub.redirectURIs[0]),
                ("code_verifier", verifier),
            ], headers: hubAuthorization)
    }

    func refresh(_ refreshToken: String, _ discovery: Harness.Discovery) async throws -> PlainHTTP.Response {
        try await PlainHTTP.postForm(
            discovery.tokenEndpoint, [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
            headers: hubAuthorization)
    }

    /// Ada signed in to the hub through the whole code flow; the token response.
    func signedIn(_ provider: Harness.Provider, _ discovery: Harness.Discovery) async throws -> [String: Any] {
        let pkce = PKCE()
        let request = AuthorizationRequest(client: Self.hub, pkce: pkce)
        let back = try await provider.signIn(at: request.url(discovery), username: "ada", password: "ada's password")
        let code = try #require(query(back)["code"], "\(back)")
        let tokens = try await exchange(code, verifier: pkce.verifier, discovery)
        guard tokens.status == 200 else { throw TestFailure("token endpoint: \(tokens.status) \(tokens.text)") }
        return try tokens.json()
    }

    func query(_ url: URL) -> [String: String] {
        var items: [String: String] = [:]
        for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] {
            items[item.name] = item.value ?? ""
        }
        return items
    }
}

extension OIDCProviderHarnessTests {
    /// RFC 7636: a random verifier and its S256 challenge.
    struct PKCE {
        let verifier: String
        let challenge: String

        init() {
            verifier = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
            challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
        }
    }

    /// An authorization request (OpenID Connect Core 3.1.2.1) with state, nonce and PKCE.
    struct AuthorizationRequest {
        var client: OIDCProviderHarness.Client
        var state = "state-\(UUID().uuidString.prefix(8))"
        var nonce = "nonce-\(UUID().uuidString)"
        var challenge: String?
        var challengeMethod: String? = "S256"
        var scope = "openid profile email"

        init(client: OIDCProviderHarness.Client, pkce: PKCE) {
            self.client = client
            challenge = pkce.challenge
        }

        func url(_ discovery: OIDCProviderHarness.Discovery) -> URL {
            var items = [
                ("response_type", "code"), ("client_id", client.id), ("redirect_uri", client.redirectURIs[0]),
                ("scope", scope), ("state", state), ("nonce", nonce),
            ]
            if let challenge { items.append(("code_challenge", challenge)) }
            if let challengeMethod { items.append(("code_challenge_method", challengeMethod)) }
            return URL(string: discovery.authorizationEndpoint.absoluteString + "?" + PlainHTTP.formEncoded(items))!
        }
    }

    enum Base64URL {
        static func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        static func decode(_ text: some StringProtocol) -> Data? {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            return Data(base64Encoded: base64)
        }
    }

    /// The provider's signing keys, from its JWKS, by key id.
    enum JWKS {
        static func fetch(_ url: URL) async throws -> [String: _RSA.Signing.PublicKey] {
            let response = try await PlainHTTP.get(url)
            let keys = try response.json()["keys"] as? [[String: Any]] ?? []
            var byID: [String: _RSA.Signing.PublicKey] = [:]
            for key in keys where key["kty"] as? String == "RSA" && key["alg"] as? String == "RS256" {
                guard let kid = key["kid"] as? String, let n = (key["n"] as? String).flatMap(Base64URL.decode),
                    let e = (key["e"] as? String).flatMap(Base64URL.decode)
                else { throw TestFailure("a JWK without kid, n or e: \(key)") }
                byID[kid] = try _RSA.Signing.PublicKey(n: n, e: e)
            }
            return byID
        }
    }

    /// An ID token checked as OpenID Connect Core 3.1.3.7 asks of a client.
    enum IDToken {
        enum Invalid: Error {
            case malformed, algorithm, unknownKey, signature, issuer, audience, expired, nonce
        }

        /// The claims of `token`, once its RS256 signature verifies against the JWKS's key under its `kid` and `iss`,
        /// `aud`, `exp` and (when given) `nonce` are right.
        static func verify(
            _ token: String, discovery: OIDCProviderHarness.Discovery, audience: String, nonce: String?
        ) async throws -> [String: Any] {
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
                let claimsData = Base64URL.decode(parts[1]), let signature = Base64URL.decode(parts[2]),
                let header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any],
                let claims = try JSONSerialization.jsonObject(with: claimsData) as? [String: Any]
            else { throw Invalid.malformed }
            guard header["alg"] as? String == "RS256" else { throw Invalid.algorithm }
            let keys = try await JWKS.fetch(discovery.jwksUri)
            guard let kid = header["kid"] as? String, let key = keys[kid] else { throw Invalid.unknownKey }
            let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
            guard
                key.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: signingInput),
                    padding: .insecurePKCS1v1_5)
            else { throw Invalid.signature }
            guard claims["iss"] as? String == discovery.issuer else { throw Invalid.issuer }
            let audiences = (claims["aud"] as? [String]) ?? [(claims["aud"] as? String) ?? ""]
            guard audiences.contains(audience) else { throw Invalid.audience }
            guard let exp = claims["exp"] as? Int, exp > Int(Date().timeIntervalSince1970) else {
                throw Invalid.expired
            }
            if let nonce, claims["nonce"] as? String != nonce { throw Invalid.nonce }
            return claims
        }
    }
}

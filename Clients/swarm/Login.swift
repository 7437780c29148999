import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm login`: checks a token against a hub and saves it as a profile.
struct Login: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Check a token against a hub and save it as a profile.",
        discussion: """
            Says hello to the hub with the token; if the hub welcomes it, the server, token, agent id and \
            role are saved in $XDG_CONFIG_HOME/swarm/profiles.json (~/.config/swarm/profiles.json), mode \
            0600, and the profile becomes the default. An unknown or revoked token exits with status 3. \
            --server and --token default to $SWARM_SERVER and $SWARM_TOKEN; '--token -' reads the \
            token from standard input, which keeps it out of the shell's history. --ca-cert (or \
            $SWARM_CA_CERT) is saved with the profile, for a TLS hub whose certificate is self-signed or \
            from a private CA.

            Examples:
              swarm login --server http://127.0.0.1:8080 --token swm_…
              swarm login --profile staging --server https://hub.staging.example:443 --token swm_…
              swarm login --server wss://hub.example:8443 --ca-cert hub-ca.pem --token swm_…
              swarmd token create --name alice --role agent | tail -n 1 | swarm login --server localhost:8080 --token -
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The hub: http://HOST:PORT (ws:// and host:port work too).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The token, as printed by 'swarmd token create'; '-' reads it from standard input."))
    var token: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let serverText = server ?? environment["SWARM_SERVER"] else {
            throw ClientError.usage("give the hub with --server URL (or set SWARM_SERVER)")
        }
        guard let address = ServerAddress(serverText) else {
            throw ClientError.usage("'\(serverText)' is not a hub address; use http://HOST:PORT")
        }
        var secret = token ?? environment["SWARM_TOKEN"]
        if secret == "-" { secret = readLine(strippingNewline: true) }
        guard let secret = secret?.trimmingCharacters(in: .whitespaces), !secret.isEmpty else {
            throw ClientError.usage("give the token with --token TOKEN (or set SWARM_TOKEN)")
        }
        let caCertificate = (global.caCertificate ?? environment["SWARM_CA_CERT"].flatMap { $0.isEmpty ? nil : $0 })
            .map(GlobalOptions.absolute)
        let credentials = Credentials(server: address, token: secret, caCertificate: caCertificate)
        let welcome = try await HubConnection.open(credentials) { $0.welcome }

        let store = ProfileStore()
        let name = global.profile ?? environment["SWARM_PROFILE"] ?? ProfileStore.defaultName
        let profile = Profile(
            server: address.description, token: secret, agent: welcome.agent, role: welcome.role,
            caCertificate: caCertificate)
        try store.update { file throws(ClientError) in
            // Logging in again (a new token) keeps the person's notice choice.
            var profile = profile
            profile.notify = file.profiles[name]?.notify
            file.profiles[name] = profile
            file.current = name
        }

        if global.json {
            try sayJSON(
                LoginResult(
                    profile: name, server: address.description, agent: welcome.agent, role: welcome.role,
                    path: store.url.path))
        } else {
            let style = global.style
            say(
                "logged in to \(address) as \(style.paint(welcome.agent, .bold)) (\(welcome.role.rawValue));"
                    + " profile '\(name)' saved in \(store.url.path)")
        }
    }

    struct LoginResult: Encodable {
        var profile: String
        var server: String
        var agent: String
        var role: Role
        var path: String
    }
}

/// `swarm logout`: forgets a profile.
struct Logout: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Forget a saved profile (its token stays valid on the hub).",
        discussion: """
            Removes the profile named by --profile (default: the current one) from the profiles file. \
            Revoke the token itself on the hub with 'swarmd token revoke'.

            Examples:
              swarm logout
              swarm logout --profile staging
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = ProfileStore()
        let named = global.profile ?? ProcessInfo.processInfo.environment["SWARM_PROFILE"]
        let name = try store.update { file throws(ClientError) in
            let name = named ?? file.current ?? ProfileStore.defaultName
            guard file.profiles.removeValue(forKey: name) != nil else {
                throw ClientError(
                    code: "not_found", message: "no profile '\(name)' in \(store.url.path)", status: .notFound)
            }
            if file.current == name { file.current = file.profiles.keys.sorted().first }
            return name
        }
        if global.json {
            try sayJSON(["removed": name])
        } else {
            say("profile '\(name)' removed")
        }
    }
}

public import ArgumentParser
import Foundation
import SwarmClient
public import SwarmProtocol

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Use this profile (default: $SWARM_PROFILE, else the last one logged in to).", valueName: "name"))
    var profile: String?

    @Flag(name: .long, help: "Print JSON for scripts instead of text for people.")
    var json = false

    @Option(
        name: .customLong("ca-cert"),
        help: ArgumentHelp(
            "Trust this PEM CA or self-signed certificate for a TLS hub (default: $SWARM_CA_CERT, else the"
                + " profile's, saved by 'swarm login --ca-cert').",
            valueName: "file"))
    var caCertificate: String?

    /// The hub and token to use: the profile, overridden by SWARM_SERVER and SWARM_TOKEN, and
    /// `--ca-cert` over SWARM_CA_CERT over the profile's CA.
    func credentials() throws(ClientError) -> Credentials {
        var credentials = try ProfileStore().credentials(profile: profile)
        if let caCertificate { credentials.caCertificate = Self.absolute(caCertificate) }
        return credentials
    }

    /// A path as a profile keeps it: absolute, so it still names the file from another directory.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Colours for standard output.
    var style: Style { json ? Style(enabled: false) : .forStandardOutput() }
}

/// Who the credentials' token is: the agent id saved at login, or — with `SWARM_TOKEN` — what the
/// hub's `welcome` says. Reading the profile avoids a WebSocket connection, which for an agent who
/// is offline would log a `presence.changed` just to learn their own name.
func whoAmI(_ credentials: Credentials) async throws -> String {
    if let agent = credentials.agent { return agent }
    return try await HubConnection.open(credentials) { $0.welcome.agent }
}

/// A command that has the global options, so errors can be printed as JSON when asked.
protocol HasGlobalOptions {
    var global: GlobalOptions { get }
}

/// `T-42`, `t-42` and `42` all name ticket T-42.
func ticketID(_ text: String) -> String {
    if !text.isEmpty, text.allSatisfy(\.isNumber) { return "T-\(text)" }
    if text.hasPrefix("t-") { return "T-" + text.dropFirst(2) }
    return text
}

extension TicketStatus: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension SwarmProtocol.Category: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension Presence: ExpressibleByArgument {
    /// Parses any presence, `offline` too, so the hub can say why that one is not for people to set.
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { ["available", "busy", "away"] }
}

extension Level: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension Via: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

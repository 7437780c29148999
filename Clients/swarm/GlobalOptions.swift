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

    /// The hub and token to use: the profile, overridden by SWARM_SERVER and SWARM_TOKEN.
    func credentials() throws(ClientError) -> Credentials {
        try ProfileStore().credentials(profile: profile)
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

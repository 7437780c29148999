import ArgumentParser
import Foundation
import SwarmClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `swarm`: the terminal client of a swarm hub.
struct Swarm: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "The terminal client of a swarm hub: tickets, swarms, experts and a live feed of events.",
        discussion: """
            Run without a command in a terminal, swarm starts the console (see 'swarm console --help'). \
            The full manual is docs/swarm.md.

            Examples:
              swarm login --server http://127.0.0.1:8080 --token swm_…
              swarm open --title "VPN drops" --category network --urgency high --impact medium
              swarm tickets --mine
              swarm watch T-1
              swarm join T-1 && swarm comment T-1 "MTU mismatch on the new tunnel"
              swarm resolve T-1 "MTU set to 1400"
              swarm skills set network.dns=5 && swarm watch skill:network.*
              swarm invites accept T-7

            Environment: SWARM_SERVER and SWARM_TOKEN override the profile, SWARM_PROFILE picks \
            one, SWARM_CA_CERT names a CA certificate to trust for a TLS hub, NO_COLOR turns colour \
            off, XDG_CONFIG_HOME moves the profiles file.

            Exit status:
            \(ExitStatus.allCases.map { "  \(String($0.rawValue).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))
            """,
        version: SwarmClientInfo.version,
        subcommands: [
            Login.self, Logout.self, Tickets.self, Next.self, Show.self, Open.self, Join.self, Leave.self, Comment.self,
            Own.self, Unown.self, Status.self, Resolve.self, Reopen.self, Watch.self, ConsoleCommand.self,
            Skills.self, PresenceCommand.self, Invites.self, Invite.self, HelpRequestCommand.self, Candidates.self,
            Escalate.self, KnowledgeBase.self, Work.self, Metrics.self, Notify.self, Attach.self, Download.self,
        ]
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard hasTerminal else {
            say(Swarm.helpMessage())
            return
        }
        try await ConsoleCommand.runConsole(global: global)
    }
}

/// Parses the command line, runs the command, and turns failures into `error: <code>: <message>`
/// and the documented exit status — never a stack trace.
@main
enum SwarmMain {
    static func main() async {
        let status = await execute(Array(CommandLine.arguments.dropFirst()))
        exit(status)
    }

    /// Runs one command line (also each line typed in the console); returns its exit status.
    static func execute(_ arguments: [String]) async -> Int32 {
        var json = false
        do {
            var command = try Swarm.parseAsRoot(arguments)
            json = (command as? any HasGlobalOptions)?.global.json ?? false
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            return report(error, json: json)
        }
    }

    /// Prints a failure the way the user should see it and returns the exit status.
    static func report(_ error: any Error, json: Bool) -> Int32 {
        if let error = error as? ClientError {
            complain("error: \(error.code): \(error.message)")
            if json { try? sayJSON(ErrorBody(error: .init(code: error.code, message: error.message))) }
            return error.status.rawValue
        }
        let code = Swarm.exitCode(for: error)
        let message = Swarm.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { say(message) }
        } else if !message.isEmpty {
            complain(message)
        }
        return code.rawValue
    }
}

import ArgumentParser
import SwarmClient

// Commands the issue asks for whose frames protocol v1 does not have yet (escalation, the knowledge
// base, metrics). They are listed so `--help` shows the whole client, and each says plainly that the
// hub does not offer it, with exit status 8, instead of pretending. Each arrives with the hub issue
// that adds its frames, as skills, presence and invitations did.

struct Escalate: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Escalate a ticket to another tier (not offered by the hub yet).",
        discussion: """
            Protocol v1 has no 'ticket.escalate' frame; this command exits with status 8 until it does.

            Example (once offered):
              swarm escalate T-42 --reason "needs the network vendor"
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: "Why.") var reason: String?

    func run() async throws { throw ClientError.notOffered("escalation", frame: "ticket.escalate") }
}

struct KnowledgeBase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "Search the knowledge base (not offered by the hub yet).",
        discussion: """
            Protocol v1 has no knowledge-base frame; 'kb search' exits with status 8 until it does.

            Example (once offered):
              swarm kb search vpn mtu
            """,
        subcommands: [Search.self]
    )

    struct Search: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(abstract: "Search the knowledge base (not offered yet).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Words to search for.") var words: [String] = []
        func run() async throws {
            throw ClientError(
                code: "not_offered",
                message: "the hub does not offer the knowledge base yet (protocol v1 has no knowledge-base frame)",
                status: .notOffered)
        }
    }
}

struct Metrics: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "The leads' swarm-vs-tiered table (not offered by the hub yet).",
        discussion: """
            Protocol v1 has no 'metrics' channel or report; this command exits with status 8 until it does.

            Example (once offered):
              swarm metrics --json
            """
    )
    @OptionGroup var global: GlobalOptions
    func run() async throws {
        throw ClientError(
            code: "not_offered",
            message: "the hub does not offer metrics yet (protocol v1 has no `metrics` channel)",
            status: .notOffered)
    }
}

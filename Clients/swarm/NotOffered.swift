import ArgumentParser
import SwarmClient

// Commands the issue asks for whose frames protocol v1 does not have yet. They are listed so
// `--help` shows the whole client, and each says plainly that the hub does not offer it, with exit
// status 8, instead of pretending. Each arrives with the hub issue that adds its frames.

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

struct Skills: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List or set your skills (not offered by the hub yet).",
        discussion: """
            Protocol v1 has no 'skills.set' frame; both subcommands exit with status 8 until it does.

            Examples (once offered):
              swarm skills list
              swarm skills set network.vpn=4 windows=3
            """,
        subcommands: [List.self, Set.self]
    )

    struct List: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(abstract: "List your skills (not offered yet).")
        @OptionGroup var global: GlobalOptions
        func run() async throws { throw ClientError.notOffered("skills", frame: "skills.set") }
    }

    struct Set: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Set your skills as tag=level, 1–5 (not offered yet).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Skills as tag=level.") var skills: [String] = []
        func run() async throws { throw ClientError.notOffered("skills", frame: "skills.set") }
    }
}

struct Presence: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Show or set your presence (not offered by the hub yet).",
        discussion: """
            Protocol v1 has no 'presence.set' frame; this command exits with status 8 until it does.

            Example (once offered):
              swarm presence away
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "available, busy, away…") var status: String?
    func run() async throws { throw ClientError.notOffered("presence", frame: "presence.set") }
}

struct Invites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, accept or decline invitations to swarms (not offered by the hub yet).",
        discussion: """
            Protocol v1 has no 'invite.answer' frame; these commands exit with status 8 until it does.

            Examples (once offered):
              swarm invites list
              swarm invites accept T-42
              swarm invites decline T-42
            """,
        subcommands: [List.self, Accept.self, Decline.self]
    )

    struct List: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(abstract: "List your invitations (not offered yet).")
        @OptionGroup var global: GlobalOptions
        func run() async throws { throw ClientError.notOffered("invitations", frame: "invite.answer") }
    }

    struct Accept: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(abstract: "Accept an invitation (not offered yet).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ticket id.") var ticket: String
        func run() async throws { throw ClientError.notOffered("invitations", frame: "invite.answer") }
    }

    struct Decline: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(abstract: "Decline an invitation (not offered yet).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ticket id.") var ticket: String
        func run() async throws { throw ClientError.notOffered("invitations", frame: "invite.answer") }
    }
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

import ArgumentParser
import SwarmClient
import SwarmProtocol

// The classic pipeline's commands: escalation up the tiers, and the knowledge base (tier 0).

struct Escalate: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Escalate a ticket of a tiered or hybrid queue to the next tier (or --tier).",
        discussion: """
            Sends ticket.escalate. The ticket goes to the next tier with the least-loaded available agent \
            of that tier; tier 4 is an external vendor and needs --vendor. In a hybrid queue, escalating \
            from tier 1 forms a swarm instead (leave out --tier and --vendor). A swarmed ticket is not \
            escalated (exit 6): ask for help with 'swarm help-request' or 'swarm invite'. docs/tiers.md.

            Examples:
              swarm escalate T-42 --reason "needs the DNS admins"
              swarm escalate T-42 --tier 4 --vendor "Acme Printers" --vendor-ref AP-2231 --reason "firmware bug"
              swarm escalate T-42 --reason "stuck" --json
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: "Why (required).") var reason: String
    @Option(help: ArgumentHelp("The tier to hand to, 1–4 (default: the next one).", valueName: "n")) var tier: Int?
    @Option(help: ArgumentHelp("The external vendor, for tier 4.", valueName: "name")) var vendor: String?
    @Option(help: ArgumentHelp("The vendor's reference for the case.", valueName: "ref")) var vendorRef: String?

    func run() async throws {
        let id = ticketID(ticket)
        let request = TicketEscalate(ticket: id, tier: tier, reason: reason, vendor: vendor, vendorRef: vendorRef)
        try await perform(global, { _ in .command(.ticketEscalate(request)) }) { _, _ in "escalated \(id)" }
    }
}

struct KnowledgeBase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "Search the knowledge base, or resolve a ticket with an article.",
        discussion: """
            Articles are the hub's tier 0: requesters and agents search them; a requester who resolves \
            their own ticket with one counts as deflected at tier 0 (docs/tiers.md).

            Examples:
              swarm kb search vpn drops every hour
              swarm kb search printer --limit 10 --json
              swarm kb apply T-42 KB-3
            """,
        subcommands: [Search.self, Apply.self]
    )

    struct Search: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Search published articles (full text; best first).",
            discussion: """
                Examples:
                  swarm kb search vpn mtu
                  swarm kb search "name resolution" --limit 3 --json
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Words to search for.") var words: [String]
        @Option(help: ArgumentHelp("How many results, 1–50.", valueName: "n")) var limit = 5

        func run() async throws {
            let search = KBSearch(query: words.joined(separator: " "), limit: limit)
            let ack = try await HubConnection.open(try global.credentials()) { connection in
                try await connection.send(.kbSearch(search))
            }
            let articles = ack.articles ?? []
            if global.json { return try sayJSON(articles) }
            if articles.isEmpty { return say("no article matches") }
            for article in articles {
                say(
                    "\(global.style.paint(article.id + String(repeating: " ", count: max(1, 6 - article.id.count)), .bold)) \(article.title)"
                )
            }
        }
    }

    struct Apply: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a ticket with a published article.",
            discussion: """
                Example:
                  swarm kb apply T-42 KB-3
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ticket id.") var ticket: String
        @Argument(help: "The article id, KB-3.") var article: String

        func run() async throws {
            let id = ticketID(ticket)
            let apply = KBApply(ticket: id, article: article)
            try await perform(global, { _ in .command(.kbApply(apply)) }) { _, _ in "resolved \(id) with \(article)" }
        }
    }
}

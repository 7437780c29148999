import ArgumentParser
import Foundation
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
        abstract: "Search, read and write the knowledge base, or resolve a ticket with an article.",
        discussion: """
            Articles are the hub's tier 0: requesters and agents search them; a requester who resolves \
            their own ticket with one counts as deflected at tier 0 (docs/tiers.md). Each article is in \
            German (de) or English (en), as its author said or the hub detected; one whose words do not \
            tell has no language and counts as either.

            Examples:
              swarm kb search vpn drops every hour
              swarm kb search drucker --language de
              swarm kb show KB-3
              swarm kb create "VPN drops every hour" --body "Set the tunnel MTU to 1400." --tag vpn
              swarm kb apply T-42 KB-3
            """,
        subcommands: [Search.self, Show.self, Create.self, Apply.self]
    )

    /// `de` or `en`, as `--language` takes it.
    enum LanguageChoice: String, CaseIterable, ExpressibleByArgument {
        case de, en
    }

    /// An article's language as the list shows it: `de`, `en`, or `--` when it has none.
    static func languageColumn(_ language: String?) -> String { language ?? "--" }

    struct Search: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Search published articles (full text; best first).",
            discussion: """
                Each line is the article's id, its language (de, en, or -- when it has none) and its \
                title. --language keeps the articles in that language and those without one.

                Examples:
                  swarm kb search vpn mtu
                  swarm kb search "name resolution" --limit 3 --json
                  swarm kb search drucker papierstau --language de
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Words to search for.") var words: [String]
        @Option(help: ArgumentHelp("How many results, 1–50.", valueName: "n")) var limit = 5
        @Option(help: "Only articles in this language (and those without one).") var language: LanguageChoice?

        func run() async throws {
            let search = KBSearch(query: words.joined(separator: " "), limit: limit, language: language?.rawValue)
            let ack = try await HubConnection.open(try global.credentials()) { connection in
                try await connection.send(.kbSearch(search))
            }
            let articles = ack.articles ?? []
            if global.json { return try sayJSON(articles) }
            if articles.isEmpty { return say("no article matches") }
            for article in articles {
                let id = article.id + String(repeating: " ", count: max(1, 6 - article.id.count))
                say(
                    "\(global.style.paint(id, .bold)) \(global.style.paint(languageColumn(article.language), .dim))  "
                        + article.title)
            }
        }
    }

    struct Show: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Show an article: its title, language, tags and text.",
            discussion: """
                Reads GET /v1/kb/ID. A draft is shown to agents and up only (requesters: not found, exit 5).

                Examples:
                  swarm kb show KB-3
                  swarm kb show KB-3 --json | jq -r .language
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The article id, KB-3.") var article: String

        func run() async throws {
            let article = try await RestClient(try global.credentials()).article(article)
            if global.json { return try sayJSON(article) }
            let style = global.style
            say("\(style.paint(article.id, .bold))  \(style.paint(article.title, .bold))")
            var fields: [(String, String)] = [
                ("status", article.status.rawValue),
                ("language", article.language ?? "none (either)"),
                ("tags", article.tags.isEmpty ? "-" : article.tags.joined(separator: ", ")),
                ("author", article.author),
            ]
            if let source = article.source { fields.append(("source", source)) }
            fields.append(("updated", RelativeTime.describe(article.updatedAt, now: now())))
            for (name, value) in fields {
                say("  \(style.paint(name.padding(toLength: 9, withPad: " ", startingAt: 0), .dim)) \(value)")
            }
            say("")
            say(article.body)
        }
    }

    struct Create: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Write an article (agents and up): published at once, or a draft.",
            discussion: """
                Sends kb.create. The text is --body, or standard input when that is not a terminal. \
                --language says which language it is written in; without it the hub detects it from \
                the title and text, and an article whose words do not tell gets none (it counts as \
                either). The line printed says the language the article got.

                Examples:
                  swarm kb create "VPN drops every hour" --body "Set the tunnel MTU to 1400." --tag vpn
                  swarm kb create "Drucker meldet Papierstau" --language de --draft < papierstau.txt
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The title, 1–200 characters.") var title: String
        @Option(help: ArgumentHelp("The text (default: standard input).", valueName: "text")) var body: String?
        @Option(
            name: .customLong("tag"), help: ArgumentHelp("A skill tag it is about; repeat for more.", valueName: "tag"))
        var tags: [String] = []
        @Flag(help: "Write a draft, which only agents and up see until it is published.") var draft = false
        @Option(help: "The language it is written in (default: the hub detects it).") var language: LanguageChoice?

        func run() async throws {
            let text: String
            if let body {
                text = body
            } else if isatty(STDIN_FILENO) != 1 && !ConsoleSession.isActive {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                throw ClientError.usage("give the article's text with --body, or on standard input")
            }
            let create = KBCreate(
                title: title, body: text, tags: tags.isEmpty ? nil : tags, draft: draft ? true : nil,
                language: language?.rawValue)
            let credentials = try global.credentials()
            let ack = try await HubConnection.open(credentials) { connection in
                try await connection.send(.command(.kbCreate(create)))
            }
            guard let id = ack.article else { throw ClientError.failure("the hub's ack names no article") }
            // The ack names the article; its language, when the hub detected it, is on the article.
            let article = try await RestClient(credentials).article(id)
            if global.json { return try sayJSON(article) }
            let what = article.status == .draft ? "drafted" : "wrote"
            let language = article.language.map { "in \($0)" } ?? "without a language (its words do not tell)"
            say(
                "\(what) \(article.id) \(language)"
                    + (ack.seq.map { "  " + global.style.paint("seq \($0)", .dim) } ?? ""))
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

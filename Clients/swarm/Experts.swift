import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

// Experts: skills, presence, invitations, help requests and the hub's ranking of candidates
// (Protocol §21–§24). Reading goes over REST (GET /v1/agents, /v1/skills, /v1/tickets…), changes
// over the WebSocket, like every other command.

/// `swarm skills`: show, set and look up skills.
struct Skills: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or set skills (tag → level 1–5), and list the hub's skill tags.",
        discussion: """
            'swarm skills' alone is 'swarm skills list': your skills, with the tickets needing each \
            tag you helped resolve. The hub invites experts to tickets by these skills (docs/skills.md).

            Examples:
              swarm skills
              swarm skills --all
              swarm skills set network.dns=5 linux=3
              swarm skills set --add windows.ad=2
              swarm skills tags network
            """,
        subcommands: [List.self, Set.self, Tags.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Show your skills, another agent's (--agent), or every agent's (--all).",
            discussion: """
                Reads GET /v1/agents (not for requesters: exit 4). --all prints one row per agent the hub \
                knows of: presence, load (active swarms) and skills. With --json: the agent as the hub \
                shows it ({"id","skills","presence","chosen","activeSwarms","resolved"}), or with --all \
                the whole answer, {"agents":[…]}.

                Examples:
                  swarm skills list
                  swarm skills list --agent dana
                  swarm skills list --all
                  swarm skills list --json | jq .skills
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Whose skills (default: yours).", valueName: "id")) var agent: String?
        @Flag(help: "Every agent: presence, load and skills.") var all = false

        func validate() throws {
            if all && agent != nil { throw ValidationError("give --agent or --all, not both") }
        }

        func run() async throws {
            let credentials = try global.credentials()
            let agents = try await RestClient(credentials).agents()
            let style = global.style
            if all {
                if global.json { return try sayJSON(AgentList(agents: agents)) }
                guard !agents.isEmpty else { return say("the hub knows of no agents yet") }
                let table = Table(
                    headers: ["AGENT", "PRESENCE", "LOAD", "SKILLS"],
                    rows: agents.map { [$0.id, $0.presence.rawValue, "\($0.load)", skillList($0.skills)] })
                table.render(style: style) { column, row, _ in
                    column == 1 ? presenceColor(agents[row].presence) : nil
                }.forEach(say)
                return
            }
            let id = try await agentOrMe(agent, credentials)
            guard let profile = agents.first(where: { $0.id == id }) ?? (agent == nil ? AgentProfile(id: id) : nil)
            else {
                throw ClientError(
                    code: "not_found", message: "the hub knows of no agent \(id) (swarm skills --all lists them)",
                    status: .notFound)
            }
            if global.json { return try sayJSON(profile) }
            let swarms = profile.activeSwarms.isEmpty ? "" : " (\(profile.activeSwarms.joined(separator: ", ")))"
            say(
                "\(style.paint(profile.id, .bold))  "
                    + "\(style.paint(profile.presence.rawValue, presenceColor(profile.presence) ?? .bold))"
                    + "  load \(profile.load)\(swarms)")
            guard !profile.skills.isEmpty else {
                let whose = agent == nil ? "you have" : "\(id) has"
                return say(
                    "\(whose) no skills; set them with 'swarm skills set TAG=LEVEL…' ('swarm skills tags' lists tags)")
            }
            let table = Table(
                headers: ["TAG", "LEVEL", "RESOLVED"],
                rows: profile.skills.sorted { $0.key < $1.key }.map { tag, level in
                    [tag, "\(level)", "\(profile.resolved[tag] ?? 0)"]
                })
            table.render(style: style).forEach { say("  " + $0) }
        }
    }

    struct Set: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Set your skills (or, for leads, another agent's) as TAG=LEVEL, levels 1–5.",
            discussion: """
                skills.set REPLACES the whole set: 'swarm skills set linux=3' leaves you with linux alone. \
                --add keeps the skills you have and adds or changes the ones given; --remove TAG drops \
                one; both read the current skills first (GET /v1/agents), so two people changing the same \
                agent's skills at once may overwrite each other. --clear removes them all.

                Tags are the hub's (swarm skills tags); a synonym is stored as its tag ('dns' is \
                network.dns). An unknown tag or a level outside 1–5 is refused with exit 2; another \
                agent's skills need a lead or admin (exit 4). When the set is what the agent already has, \
                the hub logs nothing and the ack has no seq.

                Examples:
                  swarm skills set network.dns=5 linux=3
                  swarm skills set --add windows.ad=2
                  swarm skills set --remove linux
                  swarm skills set --agent nick networking=2      # a lead, for nick
                  swarm skills set --clear
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Skills as TAG=LEVEL (network.dns=5).", valueName: "tag=level"))
        var skills: [String] = []
        @Option(help: ArgumentHelp("Whose skills (default: yours; others' need a lead).", valueName: "id"))
        var agent: String?
        @Flag(help: "Keep the current skills; add or change the ones given.") var add = false
        @Option(help: ArgumentHelp("Drop this tag from the current skills; repeat for more.", valueName: "tag"))
        var remove: [String] = []
        @Flag(help: "Remove every skill.") var clear = false

        func validate() throws {
            if clear && (!skills.isEmpty || add || !remove.isEmpty) {
                throw ValidationError("--clear takes no skills, --add or --remove")
            }
            if !clear && skills.isEmpty && remove.isEmpty {
                throw ValidationError("give skills as TAG=LEVEL (or --remove TAG, or --clear to remove them all)")
            }
            _ = try Self.parse(skills)
        }

        /// `["network.dns=5"]` → `["network.dns": 5]`.
        static func parse(_ pairs: [String]) throws -> [String: Int] {
            var result: [String: Int] = [:]
            for pair in pairs {
                let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, let level = Int(parts[1]) else {
                    throw ValidationError("'\(pair)' is not TAG=LEVEL, like network.dns=4")
                }
                result[String(parts[0])] = level
            }
            return result
        }

        func run() async throws {
            let credentials = try global.credentials()
            var wanted = try Self.parse(skills)
            let target = try await agentOrMe(agent, credentials)
            if add || !remove.isEmpty {
                let agents = try await RestClient(credentials).agents()
                var current = agents.first { $0.id == target }?.skills ?? [:]
                for tag in remove where current.removeValue(forKey: tag) == nil {
                    throw ClientError.usage("\(target) has no skill '\(tag)' to remove")
                }
                wanted = current.merging(wanted) { $1 }
            }
            let set = SkillsSet(skills: wanted, agent: agent)
            try await perform(global, { _ in .command(.skillsSet(set)) }) { _, ack in
                let list = wanted.isEmpty ? "none" : skillList(wanted)
                return ack.seq == nil ? "\(target)'s skills are unchanged: \(list)" : "\(target)'s skills: \(list)"
            }
        }
    }

    struct Tags: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "List the hub's skill tags: how many agents hold each, how many open tickets need it.",
            discussion: """
                Reads GET /v1/skills. A prefix keeps that tag and the tags under it. With --json: the \
                hub's answer, {"tags":[…],"categories":{…}}, its tags filtered by the prefix.

                Examples:
                  swarm skills tags
                  swarm skills tags network
                  swarm skills tags --json | jq -r '.tags[] | select(.openTickets > 0) | .tag'
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Only this tag and the tags under it.", valueName: "prefix"))
        var prefix: String?

        func run() async throws {
            var catalog = try await RestClient(try global.credentials()).skills()
            if let prefix { catalog.tags = catalog.tags.filter { $0.tag == prefix || $0.tag.hasPrefix(prefix + ".") } }
            if global.json { return try sayJSON(catalog) }
            guard !catalog.tags.isEmpty else { return say("no tag \(prefix ?? "")") }
            let table = Table(
                headers: ["TAG", "AGENTS", "OPEN", "SYNONYMS", "DESCRIPTION"],
                rows: catalog.tags.map {
                    [
                        $0.tag, "\($0.agents)", "\($0.openTickets)",
                        $0.synonyms.isEmpty ? "-" : $0.synonyms.joined(separator: ","), $0.description,
                    ]
                })
            table.render(style: global.style) { column, _, _ in column == 0 ? .bold : nil }.forEach(say)
        }
    }
}

/// The agent named, or the user.
func agentOrMe(_ agent: String?, _ credentials: Credentials) async throws -> String {
    if let agent { return agent }
    return try await whoAmI(credentials)
}

/// `tag=level` pairs in tag order: "linux=3 network.dns=5".
func skillList(_ skills: [String: Int]) -> String {
    skills.isEmpty ? "-" : skills.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
}

/// The colour of a presence in tables.
func presenceColor(_ presence: Presence) -> Style.Color? {
    switch presence {
    case .available: .green
    case .busy: .yellow
    case .away: .magenta
    case .offline: .dim
    }
}

/// `swarm presence`: show or set your presence.
struct PresenceCommand: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        commandName: "presence",
        abstract: "Show your presence, or set it: available, busy or away.",
        discussion: """
            Without a status, shows yours (GET /v1/agents): the current one and the one you chose last. \
            With one, sends presence.set. Presence follows your connections: the hub marks you online \
            when a connection of yours opens and offline 30 s (its grace period) after the last one \
            closes, so a one-off 'swarm presence busy' records your choice and you show as busy while \
            a 'swarm watch' or console of yours is connected — and again each time you come back. \
            'offline' is the hub's to set (exit 2). Busy costs 15 points in the hub's ranking of \
            candidates, away 30; offline agents are not invited by the hub. Setting the status you \
            already have logs nothing (the ack has no seq).

            Examples:
              swarm presence
              swarm presence busy
              swarm presence available --json
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("available, busy or away.", valueName: "status")) var status: Presence?

    func run() async throws {
        let credentials = try global.credentials()
        guard let status else {
            let me = try await whoAmI(credentials)
            let profile = try await RestClient(credentials).agents().first { $0.id == me } ?? AgentProfile(id: me)
            if global.json {
                return try sayJSON([
                    "agent": me, "presence": profile.presence.rawValue, "chosen": profile.chosen.rawValue,
                ])
            }
            let shown = global.style.paint(profile.presence.rawValue, presenceColor(profile.presence) ?? .bold)
            let chosen = profile.chosen == profile.presence ? "" : " (chosen: \(profile.chosen.rawValue))"
            return say("\(me) is \(shown)\(chosen)")
        }
        try await perform(global, { _ in .command(.presenceSet(PresenceSet(status: status))) }) { welcome, ack in
            "\(welcome.agent) is \(status.rawValue)\(ack.seq == nil ? " already" : "")"
        }
    }
}

/// `swarm invites`: your invitations to swarms, and the answers.
struct Invites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List your pending invitations to swarms; accept or decline one.",
        discussion: """
            'swarm invites' alone is 'swarm invites list'. The hub invites experts when a ticket is \
            opened (by its required skills), when someone asks (swarm invite, swarm help-request), and \
            in place of an invitee who declined or did not answer in time. Invitations also arrive live \
            in 'swarm watch' (your agent channel).

            Examples:
              swarm invites
              swarm invites accept T-42
              swarm invites decline T-42
            """,
        subcommands: [List.self, Accept.self, Decline.self],
        defaultSubcommand: List.self
    )

    /// One pending invitation, with what the list shows of its ticket.
    struct Entry: Encodable {
        var ticket: String
        var title: String
        var priority: Priority
        var status: TicketStatus
        var score: Int
        var origin: InviteOrigin
        var at: Timestamp
        var expires: Timestamp
    }

    struct List: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "List your pending invitations, soonest to expire first.",
            discussion: """
                Read from the invitations of the tickets that are not resolved or closed (GET /v1/tickets, \
                every page): the hub has no endpoint for one agent's invitations. Invitations to resolved \
                or closed tickets cannot be answered and are left out. \
                EXPIRES is when the hub gives up waiting and invites someone else instead. \
                With --json: {"invitations":[{"ticket","title","priority","status","score","origin", \
                "at","expires"}…]}.

                Examples:
                  swarm invites list
                  swarm invites list --json | jq -r '.invitations[].ticket'
                """)
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let credentials = try global.credentials()
            let me = try await whoAmI(credentials)
            var open = TicketQuery()
            open.openOnly = true
            let tickets = try await RestClient(credentials).tickets(open).tickets
            let entries = tickets.filter { !$0.status.isDone }.flatMap { ticket in
                ticket.invitations.filter { $0.agent == me && $0.state == .pending }.map {
                    Entry(
                        ticket: ticket.id, title: ticket.title, priority: ticket.priority, status: ticket.status,
                        score: $0.score, origin: $0.origin, at: $0.at, expires: $0.expires)
                }
            }.sorted { $0.expires < $1.expires }
            if global.json { return try sayJSON(["invitations": entries]) }
            guard !entries.isEmpty else { return say("no pending invitations") }
            let time = now()
            let table = Table(
                headers: ["TICKET", "PRI", "SCORE", "ORIGIN", "INVITED", "EXPIRES", "TITLE"],
                rows: entries.map {
                    [
                        $0.ticket, $0.priority.rawValue, "\($0.score)", $0.origin.rawValue,
                        RelativeTime.describe($0.at, now: time), RelativeTime.until($0.expires, now: time),
                        String(EventLine.quote($0.title, limit: 60).dropFirst().dropLast()),
                    ]
                })
            table.render(style: global.style) { column, row, _ in
                switch column {
                case 0: .bold
                case 1: entries[row].priority <= .p2 ? .red : nil
                default: nil
                }
            }.forEach(say)
        }
    }

    struct Accept: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Accept an invitation: you join the ticket's swarm.",
            discussion: """
                Sends invite.answer with accept: true. No pending invitation of yours to the ticket (or \
                the ticket is resolved or closed): exit 5.

                Examples:
                  swarm invites accept T-42
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ticket id.") var ticket: String

        func run() async throws {
            let id = ticketID(ticket)
            try await perform(global, { _ in .command(.inviteAnswer(InviteAnswer(ticket: id, accept: true))) }) {
                welcome, _ in
                "\(welcome.agent) accepted the invitation to \(id) and is in its swarm"
            }
        }
    }

    struct Decline: AsyncParsableCommand, HasGlobalOptions {
        static let configuration = CommandConfiguration(
            abstract: "Decline an invitation: the hub invites the next best candidate instead.",
            discussion: """
                Sends invite.answer with accept: false. No pending invitation of yours to the ticket: \
                exit 5.

                Examples:
                  swarm invites decline T-42
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ticket id.") var ticket: String

        func run() async throws {
            let id = ticketID(ticket)
            try await perform(global, { _ in .command(.inviteAnswer(InviteAnswer(ticket: id, accept: false))) }) {
                welcome, _ in
                "\(welcome.agent) declined the invitation to \(id)"
            }
        }
    }
}

/// The invitations one command of `me` made: the `expert.invited` events at or before the ack's
/// seq that share the `at` of the command's last event (the events of one command share it).
func invitations(madeBy ack: Ack, me: String, on ticket: String, credentials: Credentials) async -> [String] {
    guard let seq = ack.seq, let detail = try? await RestClient(credentials).ticket(ticket),
        let last = detail.events.first(where: { $0.seq == seq })
    else { return [] }
    return detail.events.filter { $0.seq <= seq && $0.event.at == last.event.at && $0.event.actor == me }
        .compactMap { entry in
            guard case .expertInvited(let agent, let score, _, _, _) = entry.event.payload else { return nil }
            return "\(agent) (score \(score))"
        }
}

/// `swarm invite T-42`: invite experts to a ticket's swarm.
struct Invite: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Invite an agent (--agent) or the next best candidates to a ticket's swarm.",
        discussion: """
            Sends ticket.invite. With --agent, that agent is invited whatever their skills and presence. \
            Without, the hub invites the next --count best candidates (default: the queue's invitation \
            count), leaving out everyone invited to the ticket before; none left is a conflict (exit 6). \
            Inviting yourself (join instead), the requester, a member, or someone with a pending \
            invitation is refused. 'swarm candidates ID' shows the ranking first.

            Examples:
              swarm invite T-42 --agent dana
              swarm invite T-42 --count 2
              swarm invite T-42 --json
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: ArgumentHelp("The agent to invite.", valueName: "id")) var agent: String?
    @Option(help: ArgumentHelp("Without --agent: how many of the next best candidates, 1–20.", valueName: "n"))
    var count: Int?

    func validate() throws {
        if agent != nil && count != nil { throw ValidationError("give --agent or --count, not both") }
    }

    func run() async throws {
        let id = ticketID(ticket)
        let credentials = try global.credentials()
        let (welcome, ack) = try await HubConnection.open(credentials) { connection in
            (
                connection.welcome,
                try await connection.send(.command(.ticketInvite(TicketInvite(ticket: id, agent: agent, count: count))))
            )
        }
        if global.json { return try sayJSON(ack) }
        let invited = await invitations(madeBy: ack, me: welcome.agent, on: id, credentials: credentials)
        let who = invited.isEmpty ? (agent ?? "candidates") : invited.joined(separator: ", ")
        say("invited \(who) to \(id)" + (ack.seq.map { "  " + global.style.paint("seq \($0)", .dim) } ?? ""))
    }
}

/// `swarm help-request T-42 windows.ad`: ask for more skills on a ticket.
struct HelpRequestCommand: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        commandName: "help-request",
        abstract: "Ask for help with more skills on a ticket whose swarm you are in.",
        discussion: """
            Sends help.request: the hub logs help.requested — seen on the ticket's channels and on the \
            skill channels of the tags asked for, so experts watching skill:windows.* see it — and \
            invites the best candidates for those tags. Only members of the swarm (and leads) may ask \
            (exit 4); at most 20 known tags or synonyms (exit 2); the note at most 2000 characters. \
            Having no one to invite is not an error.

            Examples:
              swarm help-request T-42 windows.ad
              swarm help-request T-42 network.dns linux --note "resolv.conf is rewritten at boot"
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: ArgumentHelp("The skill tags needed.", valueName: "tag")) var skills: [String] = []
    @Option(help: "Why, for the experts invited.") var note: String?

    func validate() throws {
        if skills.isEmpty { throw ValidationError("name at least one skill tag, like network.dns") }
    }

    func run() async throws {
        let id = ticketID(ticket)
        let credentials = try global.credentials()
        let request = HelpRequest(ticket: id, skills: skills, note: note)
        let (welcome, ack) = try await HubConnection.open(credentials) { connection in
            (connection.welcome, try await connection.send(.command(.helpRequest(request))))
        }
        if global.json { return try sayJSON(ack) }
        let invited = await invitations(madeBy: ack, me: welcome.agent, on: id, credentials: credentials)
        let outcome = invited.isEmpty ? "nobody to invite right now" : "invited " + invited.joined(separator: ", ")
        say(
            "asked for help with \(skills.joined(separator: ", ")) on \(id); \(outcome)"
                + (ack.seq.map { "  " + global.style.paint("seq \($0)", .dim) } ?? ""))
    }
}

/// `swarm candidates T-42`: the hub's ranking of agents for a ticket, with reasons.
struct Candidates: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Rank agents for a ticket, best first, with the reasons for each score.",
        discussion: """
            Reads GET /v1/tickets/ID/candidates: agents who are not offline, hold a skill matching one \
            of the ticket's required skills (given, then inferred) and score above 0; the requester and \
            the members are left out. Then the ticket's invitations so far. Not for requesters (exit 4). \
            With --json: the hub's answer, {"ticket","skills","inferredSkills","candidates", \
            "invitations"}.

            Examples:
              swarm candidates T-42
              swarm candidates T-42 --limit 3
              swarm candidates T-42 --json | jq -r '.candidates[0].agent'
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: ArgumentHelp("At most this many candidates, 1–1000 (default 10).", valueName: "n"))
    var limit: Int?

    func run() async throws {
        let list = try await RestClient(try global.credentials()).candidates(ticketID(ticket), limit: limit)
        if global.json { return try sayJSON(list) }
        let style = global.style
        let needs = list.skills + list.inferredSkills.map { "\($0) (inferred)" }
        say("\(style.paint(list.ticket, .bold)) needs \(needs.isEmpty ? "no skills" : needs.joined(separator: ", "))")
        if list.candidates.isEmpty {
            say("no candidates: nobody online holds a matching skill (or everyone is in the swarm already)")
        } else {
            let table = Table(
                headers: ["RANK", "AGENT", "SCORE", "REASONS"],
                rows: list.candidates.enumerated().map { index, candidate in
                    [
                        "\(index + 1)", candidate.agent, "\(candidate.score)",
                        candidate.reasons.map(\.text).joined(separator: "; "),
                    ]
                })
            table.render(style: style) { column, _, _ in column == 1 ? .bold : nil }.forEach(say)
        }
        guard !list.invitations.isEmpty else { return }
        say("")
        say(style.paint("invitations", .bold))
        invitationLines(list.invitations, style: style).forEach { say("  " + $0) }
    }
}

/// A ticket's invitations as table lines: agent, score, origin, state, when.
func invitationLines(_ invitations: [Invitation], style: Style) -> [String] {
    let time = now()
    let table = Table(
        headers: ["AGENT", "SCORE", "ORIGIN", "STATE", "INVITED", "EXPIRES"],
        rows: invitations.map {
            [
                $0.agent, "\($0.score)", $0.origin.rawValue, $0.state.rawValue,
                RelativeTime.describe($0.at, now: time),
                $0.state == .pending ? RelativeTime.until($0.expires, now: time) : "-",
            ]
        })
    return table.render(style: style) { column, row, _ in
        guard column == 3 else { return nil }
        switch invitations[row].state {
        case .pending: return .yellow
        case .accepted: return .green
        case .declined, .expired: return .dim
        }
    }
}

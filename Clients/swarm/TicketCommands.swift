import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// Sends one command over a fresh connection and prints its ack: the seq for people, the frame for scripts.
/// An ack without a seq (a command that changed nothing, such as setting the skills one has) prints
/// the sentence alone.
@discardableResult
func perform(
    _ global: GlobalOptions, _ message: @escaping (Welcome) -> ClientMessage, done: (Welcome, Ack) -> String
) async throws -> (Welcome, Ack) {
    let credentials = try global.credentials()
    let (welcome, ack) = try await HubConnection.open(credentials) { connection in
        (connection.welcome, try await connection.send(message(connection.welcome)))
    }
    if global.json {
        try sayJSON(ack)
    } else {
        say(done(welcome, ack) + (ack.seq.map { "  " + global.style.paint("seq \($0)", .dim) } ?? ""))
    }
    return (welcome, ack)
}

struct Join: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Join a ticket's swarm.",
        discussion: """
            Examples:
              swarm join T-42
              swarm join 42 --json
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String

    func run() async throws {
        let id = ticketID(ticket)
        try await perform(global, { _ in .command(.swarmJoin(TicketRef(ticket: id))) }) { welcome, _ in
            "\(welcome.agent) joined the swarm of \(id)"
        }
    }
}

struct Leave: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Leave a ticket's swarm (and give up owning it).",
        discussion: """
            The last owner of a ticket in progress or waiting cannot leave; add another owner first.

            Examples:
              swarm leave T-42
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String

    func run() async throws {
        let id = ticketID(ticket)
        try await perform(global, { _ in .command(.swarmLeave(TicketRef(ticket: id))) }) { welcome, _ in
            "\(welcome.agent) left the swarm of \(id)"
        }
    }
}

struct Comment: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Comment on a ticket.",
        discussion: """
            The comment is the words after the ticket id; with none (or '-'), it is read from standard \
            input when that is not a terminal, or written in $VISUAL / $EDITOR (vi if unset) when it is. \
            Lines starting with '#' in the editor are left out.

            A comment is an internal note for the swarm unless you give --public: then it is a reply \
            the requester sees (live, in the portal and in 'swarm show'). A requester's own comments \
            are always public.

            Examples:
              swarm comment T-42 "Logs show the tunnel renegotiating; checking the MTU."
              swarm comment --public T-42 "We are on it; the VPN should work again within the hour."
              swarm comment --waiting T-42 "Which VPN client version do you have?"
              swarm comment T-42                       # opens $EDITOR
              journalctl -u vpn -n 20 | swarm comment T-42 -
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Flag(name: .customLong("public"), help: "A public reply the requester sees, not an internal note.")
    var isPublic = false
    @Flag(
        name: .customLong("waiting"),
        help: "A public reply that asks the requester something: the ticket waits for her answer.")
    var asks = false
    @Argument(help: "The comment; '-' or nothing: standard input or $EDITOR.") var words: [String] = []

    func run() async throws {
        let id = ticketID(ticket)
        let body: String
        if !words.isEmpty && words != ["-"] {
            body = words.joined(separator: " ")
        } else if words == ["-"] || isatty(STDIN_FILENO) != 1 {
            guard !ConsoleSession.isActive else {
                throw ClientError.usage("in the console, give the comment after the ticket id")
            }
            body = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            body = try await editComment(for: id)
        }
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ClientError.usage("the comment is empty; nothing was sent")
        }
        let visibility: CommentVisibility? = isPublic || asks ? .public : nil
        let comment = CommentAdd(ticket: id, body: body, visibility: visibility, waiting: asks ? true : nil)
        try await perform(global, { _ in .command(.commentAdd(comment)) }) { welcome, _ in
            asks
                ? "\(welcome.agent) asked the requester on \(id); it waits for her answer"
                : isPublic ? "\(welcome.agent) replied publicly on \(id)" : "\(welcome.agent) commented on \(id)"
        }
    }

    /// Opens the user's editor on a temporary file and returns what they wrote, comment lines left out.
    /// In the console, events that arrive meanwhile wait until the editor has given the terminal back.
    private func editComment(for id: String) async throws -> String {
        let template =
            "\n# Your comment on \(id). Lines starting with '#' are left out; an empty comment sends nothing.\n"
        ConsoleSession.terminal?.hold()
        defer { ConsoleSession.terminal?.release() }
        let text = try await ExternalEditor().edit(template: template, prefix: "swarm-comment")
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") }.joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct Own: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Make yourself (or another agent) a co-owner of a ticket.",
        discussion: """
            Once a ticket has owners, only an owner (or a lead) may change them. An agent who is not in \
            the swarm joins it too.

            Examples:
              swarm own T-42
              swarm own T-42 --agent bob
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: ArgumentHelp("The agent to add (default: you).", valueName: "id")) var agent: String?

    func run() async throws {
        let id = ticketID(ticket)
        let agent = self.agent
        try await perform(global, { .command(.ownerAdd(OwnerChange(ticket: id, agent: agent ?? $0.agent))) }) {
            welcome, _ in
            "\(agent ?? welcome.agent) owns \(id)"
        }
    }
}

struct Unown: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Remove yourself (or another agent) as owner of a ticket.",
        discussion: """
            The agent stays in the swarm. The last owner of a ticket in progress or waiting cannot be \
            removed; add another owner first.

            Examples:
              swarm unown T-42
              swarm unown T-42 --agent bob
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: ArgumentHelp("The agent to remove (default: you).", valueName: "id")) var agent: String?

    func run() async throws {
        let id = ticketID(ticket)
        let agent = self.agent
        try await perform(global, { .command(.ownerRemove(OwnerChange(ticket: id, agent: agent ?? $0.agent))) }) {
            welcome, _ in
            "\(agent ?? welcome.agent) no longer owns \(id)"
        }
    }
}

struct Status: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Move a ticket to another status.",
        discussion: """
            Statuses: new → open → in_progress ⇄ waiting → resolved → closed, and back to open to reopen. \
            Moving an unowned ticket to in_progress makes you its owner.

            Examples:
              swarm status T-42 in_progress
              swarm status T-42 waiting
              swarm status T-42 resolved --resolution "MTU set to 1400"
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: "new, open, in_progress, waiting, resolved or closed.") var status: TicketStatus
    @Option(help: "How it was resolved (at most 2000 characters).") var resolution: String?

    func run() async throws {
        let id = ticketID(ticket)
        let change = StatusChange(ticket: id, status: status, resolution: resolution)
        try await perform(global, { _ in .command(.ticketStatus(change)) }) { _, _ in
            "\(id) is \(change.status.rawValue)"
        }
    }
}

struct Resolve: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Resolve a ticket, saying how.",
        discussion: """
            The same as 'swarm status ID resolved --resolution TEXT'.

            Examples:
              swarm resolve T-42 "MTU set to 1400 on the VPN profile"
              swarm resolve T-42
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: "How it was resolved.") var resolution: [String] = []

    func run() async throws {
        let id = ticketID(ticket)
        let text = resolution.joined(separator: " ")
        let change = StatusChange(ticket: id, status: .resolved, resolution: text.isEmpty ? nil : text)
        try await perform(global, { _ in .command(.ticketStatus(change)) }) { _, _ in "\(id) is resolved" }
    }
}

struct Reopen: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Reopen a resolved or closed ticket.",
        discussion: """
            The same as 'swarm status ID open'. Requesters may reopen their own tickets.

            Examples:
              swarm reopen T-42
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String

    func run() async throws {
        let id = ticketID(ticket)
        try await perform(global, { _ in .command(.ticketStatus(StatusChange(ticket: id, status: .open))) }) { _, _ in
            "\(id) is open again"
        }
    }
}

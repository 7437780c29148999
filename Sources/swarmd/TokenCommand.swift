import ArgumentParser
import Foundation
import SwarmCore
import SwarmHub
import SwarmImport
import SwarmProtocol
import SwarmStore

/// `swarmd token`: manages the tokens agents authenticate with.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token (or, with --csv, requester tokens in bulk); each is printed once.",
            discussion: """
                The name is the agent's id everywhere (owners, comments, agent:<name> channels). \
                Only the token's SHA-256 is stored: keep the printed token, it cannot be shown again.

                The database must exist: give --db with the file the hub serves (its default, \
                ./data/swarm.sqlite, is relative to the directory you are in). A file that does not exist \
                is refused (exit status 3) unless --init is given, which creates a new log there, as for \
                a hub's first token before its first start. The first line names the file used.

                With --name, the token is printed alone on the last line.

                With --csv FILE (and --role requester), one requester token is created for every row of \
                FILE, a CSV file with a header that has a 'name' column (any case; other columns, such as \
                email, are ignored; blank rows are skipped). Every name is checked first — a valid id, not \
                reserved, not twice in the file, no active token yet — and every problem is reported with \
                its line; then all tokens are created in one transaction, or none. Standard output gets \
                CSV, 'name,token' and one line per row in file order, to hand each person theirs; the \
                summary goes to standard error. Give '-' as FILE to read standard input.

                Examples:
                  swarmd token create --name alice --role agent
                  TOKEN=$(swarmd token create --name bob --role expert | tail -n 1)
                  swarmd token create --role requester --csv staff.csv > requester-tokens.csv
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "The agent id: letters, digits, '.', '_' and '-', up to 64 characters.")
        var name: String?

        @Option(help: "requester, agent, expert, lead or admin.")
        var role: Role

        @Option(help: ArgumentHelp("A CSV file with a 'name' column: one requester token per row.", valueName: "file"))
        var csv: String?

        @Flag(
            name: .customLong("init"),
            help: "Create the database file when it does not exist yet (a new hub's first token).")
        var initialize = false

        func validate() throws {
            switch (name, csv) {
            case (nil, nil): throw ValidationError("give --name NAME, or --csv FILE for requester tokens in bulk")
            case (.some, .some): throw ValidationError("give --name or --csv, not both")
            case (nil, .some):
                guard role == .requester else {
                    throw ValidationError(
                        "--csv creates requester tokens only; create \(role.rawValue) tokens one by one with --name")
                }
            case (let name?, nil):
                if let problem = TokenNames.problem(with: name) { throw ValidationError("--name \(problem)") }
            }
        }

        func run() async throws {
            if let csv {
                try await createInBulk(from: csv)
                return
            }
            try store.requireExistingDatabase(unless: initialize, creatingWith: "--init")
            let database = store.absoluteDescription
            try await store.withStore { eventStore in
                do {
                    let (info, secret) = try await eventStore.createToken(
                        name: name ?? "", role: role, at: systemClock())
                    say("created token \(info.id) for \(info.name) (\(info.role.rawValue)) in \(database)")
                    say(secret)
                } catch let error as StoreError {
                    complain("error: \(error.message)")
                    throw ExitCode(4)
                }
            }
        }

        private func createInBulk(from file: String) async throws {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    complain("error: cannot read \(file)")
                    throw ExitCode(2)
                }
                guard let decoded = String(data: data, encoding: .utf8) else {
                    complain("error: \(file) is not UTF-8 text")
                    throw ExitCode(2)
                }
                text = decoded
            }
            let names: [String]
            do {
                names = try TokenNames.parse(text, file: file == "-" ? "standard input" : file)
            } catch {
                complain("error: no token was created:\n\(error.description)")
                throw ExitCode(2)
            }
            // The file is checked first: its mistakes are reported whatever the database.
            try store.requireExistingDatabase(unless: initialize, creatingWith: "--init")
            try await store.withStore { eventStore in
                do {
                    let created = try await eventStore.createTokens(names: names, role: role, at: systemClock())
                    say("name,token")
                    for (info, secret) in created { say("\(info.name),\(secret)") }
                    complain(
                        "created \(created.count) requester token(s) in \(store.absoluteDescription); each is shown once,"
                            + " keep the output safe")
                } catch let error as StoreError {
                    complain("error: \(error.message)")
                    throw ExitCode(4)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            try store.requireExistingDatabase(unless: false)
            let tokens = try await store.withStore { try await $0.tokens() }
            if json {
                say(try SwarmJSON.string(tokens))
                return
            }
            let rows =
                [["ID", "NAME", "ROLE", "CREATED", "REVOKED"]]
                + tokens.map {
                    ["\($0.id)", $0.name, $0.role.rawValue, $0.createdAt.description, $0.revokedAt?.description ?? "-"]
                }
            let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                say(
                    zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(
                        separator: "  "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by id, or every active token of a name.",
            discussion: """
                A revoked token is refused at the next hello, upgrade or REST request, and the hub closes \
                the WebSocket connections already open with it with close code 4003 ("the token was \
                revoked") within about a second: it looks for revoked tokens every --revocation-poll \
                (500 ms), and the frames already queued go out first. By id, only that token is revoked; \
                by name, every active token of the name.

                Examples:
                  swarmd token revoke 3
                  swarmd token revoke alice
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "A token id (from 'token list') or an agent name.")
        var token: String

        func run() async throws {
            try store.requireExistingDatabase(unless: false)
            let token = self.token
            let revoked = try await store.withStore { try await $0.revokeTokens(token, at: systemClock()) }
            guard !revoked.isEmpty else {
                complain("error: no active token with id or name '\(token)' in \(store.absoluteDescription)")
                throw ExitCode(4)
            }
            for info in revoked {
                say("revoked token \(info.id) of \(info.name) (\(info.role.rawValue)) in \(store.absoluteDescription)")
            }
        }
    }
}

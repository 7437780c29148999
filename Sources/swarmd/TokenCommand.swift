import ArgumentParser
import Foundation
import SwarmCore
import SwarmHub
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
            abstract: "Create a token; it is printed once, alone on the last line.",
            discussion: """
                The name is the agent's id everywhere (owners, comments, agent:<name> channels).
                Only the token's SHA-256 is stored: keep the printed token, it cannot be shown again.

                Examples:
                  swarmd token create --name alice --role agent
                  TOKEN=$(swarmd token create --name bob --role expert | tail -n 1)
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "The agent id: letters, digits, '.', '_' and '-', up to 64 characters.")
        var name: String

        @Option(help: "requester, agent, expert, lead or admin.")
        var role: Role

        func validate() throws {
            guard Limits.isValidAgent(name) else {
                throw ValidationError(
                    "--name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
            }
            guard name != SwarmState.systemActor else {
                throw ValidationError("--name '\(name)' is reserved for the hub's own events")
            }
        }

        func run() async throws {
            let eventStore = try store.open()
            do {
                let (info, secret) = try await eventStore.createToken(name: name, role: role, at: systemClock())
                say("created token \(info.id) for \(info.name) (\(info.role.rawValue))")
                say(secret)
            } catch let error as StoreError {
                complain("error: \(error.message)")
                throw ExitCode(4)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let tokens = try await store.open().tokens()
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
                A revoked token is refused at the next hello or request; connections already open stay
                until they disconnect.

                Examples:
                  swarmd token revoke 3
                  swarmd token revoke alice
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "A token id (from 'token list') or an agent name.")
        var token: String

        func run() async throws {
            let revoked = try await store.open().revokeTokens(token, at: systemClock())
            guard !revoked.isEmpty else {
                complain("error: no active token with id or name '\(token)'")
                throw ExitCode(4)
            }
            for info in revoked { say("revoked token \(info.id) of \(info.name) (\(info.role.rawValue))") }
        }
    }
}

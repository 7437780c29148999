import Foundation
import SwarmProtocol
import SwarmTestSupport
import Testing

/// `swarmd token create --role requester --csv FILE`, run as the built binary on a real database.
@Suite("swarmd token create --csv")
struct BulkTokenTests {
    func databasePath() throws -> String {
        try temporaryDirectory().appendingPathComponent("data/swarm.sqlite").path
    }

    func file(_ text: String) throws -> String {
        let url = try temporaryDirectory().appendingPathComponent("people.csv")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func tokenCount(_ db: String) async throws -> Int {
        let list = try await SwarmdProcess.run(["token", "list", "--json", "--db", db])
        return (try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [Any])?.count ?? -1
    }

    @Test("one requester token per row, printed as name,token CSV in file order; each signs in")
    func createsAndPrints() async throws {
        let db = try databasePath()
        // A byte-order mark, a header in another case, an extra column, a blank row, quoted fields.
        let csv = try file("\u{FEFF}Email,NAME\nrita@example.com,rita\n\n\"sam@example.com\",\"sam.miller\"\nx@y,t_3\n")
        let result = try await SwarmdProcess.run([
            "token", "create", "--role", "requester", "--csv", csv, "--db", db, "--init",
        ])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "name,token")
        let pairs = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(pairs.map(\.first) == ["rita", "sam.miller", "t_3"])
        #expect(pairs.allSatisfy { $0.count == 2 && $0[1].hasPrefix("swm_") })
        #expect(Set(pairs.map { $0[1] }).count == 3, "every token is its own")
        #expect(result.err.contains("created 3 requester token(s)"))
        let list = try await SwarmdProcess.run(["token", "list", "--json", "--db", db])
        let tokens = try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
        #expect(tokens.map { $0["role"] as? String } == ["requester", "requester", "requester"])

        // The printed tokens work: sam signs in to a real hub as a requester.
        let hub = try await SwarmdProcess(serve: db)
        try await withClient(hub.url) { client in
            let welcome = try await client.hello(pairs[1][1])
            #expect(welcome.agent == "sam.miller")
            #expect(welcome.role == .requester)
        }
        #expect(await hub.stop() == 0)

        // Again with a name that now has a token: refused whole, nothing created.
        let again = try file("name\nnew.person\nrita\n")
        let refused = try await SwarmdProcess.run([
            "token", "create", "--role", "requester", "--csv", again, "--db", db,
        ])
        #expect(refused.status == 4)
        #expect(refused.err.contains("1 name(s) already have an active token: rita; no token was created"))
        #expect(refused.out.isEmpty)
        #expect(try await tokenCount(db) == 3)
    }

    @Test(
        "a bad file is refused with every problem and its line; no token is created",
        arguments: [
            (
                "name\nrita\nbad name\nrita\n",
                ["people.csv:3: name 'bad name' must be", "people.csv:4: name 'rita' is already on line 2"]
            ),
            (
                "email\nrita@example.com\n",
                ["people.csv:1: missing column(s) name; expected a header with a 'name' column"]
            ),
            ("", ["people.csv:1: empty file: expected a header"]),
            ("name\n", ["people.csv:2: no names: list at least one"]),
            ("name,email\n,x@y\nswarmd,z@y\n", ["people.csv:2: no name", "people.csv:3: name 'swarmd' is reserved"]),
        ])
    func badFiles(text: String, messages: [String]) async throws {
        let db = try databasePath()
        let result = try await SwarmdProcess.run([
            "token", "create", "--role", "requester", "--csv", try file(text), "--db", db,
        ])
        #expect(result.status == 2)
        #expect(result.err.hasPrefix("error: no token was created:\n"), "\(result.err)")
        for message in messages { #expect(result.err.contains(message), "\(result.err)") }
        #expect(result.out.isEmpty)
        #expect(!result.err.contains("Fatal error"))
        #expect(!FileManager.default.fileExists(atPath: db), "nothing was even opened")
    }

    @Test(
        "bad combinations of options are usage errors",
        arguments: [
            (["--role", "agent", "--csv", "x.csv"], "--csv creates requester tokens only"),
            (["--role", "requester"], "give --name NAME, or --csv FILE"),
            (["--role", "requester", "--name", "rita", "--csv", "x.csv"], "give --name or --csv, not both"),
        ])
    func badOptions(arguments: [String], message: String) async throws {
        let result = try await SwarmdProcess.run(["token", "create"] + arguments + ["--db", try databasePath()])
        #expect(result.status == 64)
        #expect(result.err.contains(message), "\(result.err)")
    }

    @Test("a file that does not exist is an error naming it")
    func missingFile() async throws {
        let result = try await SwarmdProcess.run([
            "token", "create", "--role", "requester", "--csv", "/nonexistent/people.csv", "--db", try databasePath(),
        ])
        #expect(result.status == 2)
        #expect(result.err == "error: cannot read /nonexistent/people.csv\n")
    }
}

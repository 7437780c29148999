import Foundation
import SwarmClient
import SwarmProtocol
import SwarmTestSupport
import Testing

/// `swarm notify`, the built binary: the choice saved with the profile, shown, changed, kept across
/// a new login, and refused when it makes no sense.
@Suite("swarm notify")
struct NotifyCommandTests {
    @Test("notify shows the standard choice, saves changes with the profile, keeps them across a login, resets")
    func choice() async throws {
        try await withHub { hub in
            let cli = try SwarmCLI()
            let none = try await cli.run(["notify"])
            #expect(none.status == ExitStatus.auth.rawValue, "\(none.err)")
            #expect(none.err.contains("no profile 'default'"), "\(none.err)")

            let token = try await hub.token("bob", .expert)
            #expect(try await cli.run(["login", "--server", hub.httpBase, "--token", token]).status == 0)
            let shown = try await cli.run(["notify"])
            #expect(shown.status == 0, "\(shown.err)")
            let lines = shown.out.split(separator: "\n").map(String.init)
            #expect(lines.first == "notices for bob (profile 'default'):", "\(shown.out)")
            #expect(lines.contains("  kinds        invite,assign,sla,answer"), "\(shown.out)")
            #expect(lines.contains("  bell         on"), "\(shown.out)")
            #expect(lines.contains { $0.hasPrefix("  desktop      on (OSC ") }, "\(shown.out)")
            #expect(lines.contains("  notify-send  off"), "\(shown.out)")

            let changed = try await cli.json(["notify", "--on", "invite,sla", "--no-bell", "--escape", "osc777"])
            #expect(changed["changed"] as? Bool == true)
            #expect(changed["kinds"] as? [String] == ["invite", "sla"])
            #expect(changed["bell"] as? Bool == false)
            #expect(changed["desktop"] as? Bool == true)
            #expect(changed["escape"] as? String == "osc777")
            let off = try await cli.json(["notify", "--off", "sla"])
            #expect(off["kinds"] as? [String] == ["invite"])
            #expect(off["escape"] as? String == "osc777", "what is not named stays")
            let saved = try JSONDecoder().decode(ProfileFile.self, from: Data(contentsOf: cli.profilesFile))
            #expect(saved.profiles["default"]?.notify?.kinds == [.invite])
            #expect(saved.profiles["default"]?.notify?.bell == false)

            // A new login to the profile (a new token) keeps the choice.
            let again = try await hub.token("bob", .expert)
            #expect(try await cli.run(["login", "--server", hub.httpBase, "--token", again]).status == 0)
            #expect(try await cli.json(["notify", "--show"])["kinds"] as? [String] == ["invite"])

            for (arguments, message) in [
                (["--on", "pigeon"], "'pigeon' is not a kind of notice"), (["--off", "all"], "'all' is not a kind"),
                (["--on", "invite", "--off", "sla"], "not both"), (["--reset", "--bell"], "--reset goes alone"),
                (["--escape", "osc99"], "osc99"),
            ] {
                let refused = try await cli.run(["notify"] + arguments)
                #expect(refused.status == ExitStatus.usage.rawValue, "\(arguments)")
                #expect(refused.err.contains(message), "\(arguments): \(refused.err)")
            }
            #expect(try await cli.json(["notify", "--on", "none"])["kinds"] as? [String] == [])
            let reset = try await cli.json(["notify", "--reset"])
            #expect(reset["kinds"] as? [String] == ["invite", "assign", "sla", "answer"])
            #expect(reset["bell"] as? Bool == true)
            #expect(reset["notifySend"] as? Bool == false)

            // A test notice in a pipe: its line, no escape sequence (not a terminal).
            let test = try await cli.run(["notify", "--test"])
            #expect(test.out.hasSuffix("🔔 test notice — this is how notices reach bob\n"), "\(test.out)")
            #expect(!test.out.contains("\u{1B}") && !test.out.contains("\u{07}"))
        }
    }

    @Test(
        "notify --mail keeps the choice of notices by mail in the hub, for every terminal; refused when it makes no sense"
    )
    func mail() async throws {
        try await withHub { hub in
            let cli = try SwarmCLI()
            let token = try await hub.token("bob", .expert)
            #expect(try await cli.run(["login", "--server", hub.httpBase, "--token", token]).status == 0)
            let none = try await cli.run(["notify"])
            #expect(none.out.contains("  mail         none; this hub sends no mail (no --mail-from)"), "\(none.out)")

            let set = try await cli.json(["notify", "--mail", "bob@it.example", "--mail-on", "invite,answer"])
            let mail = try #require(set["mail"] as? [String: Any], "\(set)")
            #expect(mail["address"] as? String == "bob@it.example")
            #expect(mail["kinds"] as? [String] == ["invite", "answer"])
            #expect(mail["hubSendsMail"] as? Bool == false)
            #expect(set["kinds"] as? [String] == ["invite", "assign", "sla", "answer"], "the terminal's choice stays")
            // Kept by the hub: another machine (a new profiles file) shows it.
            let other = try SwarmCLI()
            #expect(try await other.run(["login", "--server", hub.httpBase, "--token", token]).status == 0)
            let shown = try await other.run(["notify"])
            #expect(shown.out.contains("  mail         invite, answer to bob@it.example"), "\(shown.out)")

            let german = try await cli.json(["notify", "--mail-language", "de"])
            #expect((german["mail"] as? [String: Any])?["language"] as? String == "de")
            #expect(
                (german["mail"] as? [String: Any])?["kinds"] as? [String] == ["invite", "answer"], "the rest stays")

            for (arguments, message) in [
                (["--mail", "bob"], "--mail takes an e-mail address"),
                (["--mail-on", "pigeon"], "'pigeon' is not a kind"),
                (["--mail-language", "fr"], "de or en"), (["--mail", "off", "--mail-on", "sla"], "--mail off goes"),
                (["--reset", "--mail", "off"], "--reset goes alone"),
            ] {
                let refused = try await cli.run(["notify"] + arguments)
                #expect(refused.status == ExitStatus.usage.rawValue, "\(arguments)")
                #expect(refused.err.contains(message), "\(arguments): \(refused.err)")
            }
            let off = try await cli.json(["notify", "--mail", "off"])
            #expect((off["mail"] as? [String: Any])?["address"] == nil)
            let gone = try await other.run(["notify"])
            #expect(gone.out.contains("  mail         none;"), "\(gone.out)")
            // Kinds by mail without an address: said before anything is sent.
            let bare = try await cli.run(["notify", "--mail-on", "sla"])
            #expect(bare.status == ExitStatus.usage.rawValue && bare.err.contains("need an address"), "\(bare.err)")
        }
    }

    @Test("notify --help has examples and fits the terminal")
    func help() async throws {
        var cli = try SwarmCLI()
        let root = try await cli.run(["--help"])
        #expect(root.out.contains("notify"))
        let help = try await cli.run(["notify", "--help"])
        #expect(help.status == 0)
        #expect(help.out.contains("Examples:"))
        for width in [60, 100] {
            cli.environment["COLUMNS"] = "\(width)"
            let narrow = try await cli.run(["notify", "--help"])
            let problems = HelpLayout.problems(in: narrow.out, width: width)
            #expect(problems.isEmpty, "swarm notify --help at \(width) columns: \(problems)")
        }
    }
}

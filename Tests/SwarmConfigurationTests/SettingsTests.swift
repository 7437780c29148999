import ArgumentParser
import Foundation
import SwarmCore
import Testing

@testable import SwarmConfiguration

@Suite("Settings: one declaration for the flag, the configuration file and the help")
struct SettingsTests {
    /// The settings `arguments` give, parsed by ArgumentParser as `swarmd serve` parses them.
    func applied(_ arguments: [String]) throws -> ServeSettings {
        var settings = ServeSettings(taxonomy: .empty)
        try ServeOptions.parse(arguments).apply(to: &settings)
        return settings
    }

    /// The flags a help text lists, in its order (`--name <value>` at the start of a line).
    func flags(inHelp help: String) -> [String] {
        help.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard let first = words.first, first.hasPrefix("--"), words.count > 1, words[1].hasPrefix("<") else {
                return nil
            }
            return String(first)
        }
    }

    @Test("the option group and the table list the same flags, in the same order, with the table's help")
    func optionsFollowTheTable() {
        let help = ServeOptions.helpMessage(columns: 10_000)
        #expect(flags(inHelp: help) == Settings.all.map(\.flag))
        for setting in Settings.all {
            #expect(help.contains(setting.help), "\(setting.flag)")
            if setting.defaultText != "none" {
                #expect(help.contains("\(setting.help) (default: \(setting.defaultText))"), "\(setting.flag)")
            }
        }
        #expect(Set(Settings.all.map(\.name)).count == Settings.all.count, "no name twice")
    }

    @Test("simulate's swarm options are serve's table entries: same flags, bounds and messages")
    func sharedSwarmOptions() throws {
        let help = SwarmOptions.helpMessage(columns: 10_000)
        #expect(flags(inHelp: help) == ["--invitations", "--invite-timeout", "--backlog-after"])
        var swarm = SwarmSettings()
        try SwarmOptions.parse(["--invitations", "5", "--invite-timeout", "5m", "--backlog-after=2h"]).apply(
            to: &swarm)
        #expect(swarm.invitations == 5)
        #expect(swarm.inviteTimeout == 300_000)
        #expect(swarm.backlogAfter == 7_200_000)
        var untouched = SwarmSettings()
        untouched.invitations = 7
        try SwarmOptions.parse([]).apply(to: &untouched)
        #expect(untouched.invitations == 7, "nothing given changes nothing")
        for (arguments, expected) in [
            (["--invite-timeout", "500ms"], "--invite-timeout must be from 1s to 30d, not '500ms'"),
            (["--backlog-after", "400d"], "--backlog-after must be from 1m to 365d, not '400d'"),
            (["--invitations", "0"], "--invitations must be a whole number from 1 to 20, not '0'"),
        ] {
            #expect(message(SwarmOptions.self, arguments) == expected, "\(arguments)")
            #expect(message(ServeOptions.self, arguments) == expected, "\(arguments)")
        }
        for bad in [
            "ftp://help.example.com", "help.example.com", "https://help.example.com/?a=1", "https://u@h.example",
        ] {
            #expect(
                message(ServeOptions.self, ["--public-url", bad])
                    == "--public-url must be the http:// or https:// address people open the hub at, like https://help.example.com, not '\(bad)'"
            )
        }
    }

    /// ArgumentParser's message for `arguments`, or `nil` if they parse.
    func message<Options: ParsableArguments>(_ options: Options.Type, _ arguments: [String]) -> String? {
        do {
            _ = try Options.parse(arguments)
            return nil
        } catch {
            return Options.message(for: error)
        }
    }

    @Test("every setting's default, written back as a flag, gives the default again")
    func defaultsRoundTrip() throws {
        for setting in Settings.all where setting.defaultText != "none" {
            let settings = try applied([setting.flag, setting.defaultText])
            #expect(setting.text(in: settings) == setting.defaultText, "\(setting.flag)")
        }
    }

    @Test("every setting reaches its field: a value other than the default is shown back")
    func everySettingIsSettable() throws {
        let samples: [String: String] = [
            "host": "0.0.0.0", "port": "9000", "max-frame-size": "2048", "max-request-head": "4096",
            "request-head-timeout": "2s", "http-idle-timeout": "1m", "allowed-origin": "https://desk.example.com",
            "tls-cert": "hub.pem", "tls-key": "hub-key.pem", "outbound-queue-limit": "64",
            "outbound-queue-bytes": "65536", "max-subscriptions": "10", "command-rate": "7", "command-burst": "9",
            "flood-close-after": "5", "hello-timeout": "3s", "close-grace": "2s", "revocation-poll": "100ms",
            "presence-grace": "1m", "idempotency-window": "2h", "max-batch": "64", "timer-poll": "250ms",
            "invitations": "4", "severity-one-invitations": "9", "queue-invitations": "network=5",
            "invite-timeout": "5m", "backlog-after": "2h", "kb-suggestions": "0", "metrics-interval": "5s",
            "log-level": "debug", "log-format": "json", "metrics-address": "127.0.0.1:9090",
            "metrics-token-file": "token.txt", "connections-per-token": "4", "principal-rate": "3",
            "principal-burst": "5", "requester-bytes-per-hour": "2048", "requester-bytes-per-ticket": "4096",
            "attachment-max-file": "1048576", "attachment-max-ticket": "10485760",
            "clamd": "unix:/run/clamav/clamd.ctl", "clamd-wait": "5s",
            "mail-domains": "example.com,example.org", "mail-signature-image-size": "4096",
            "smtp": "smtp://relay.example.com:587",
            "smtp-credentials": "relay.txt", "mail-from": "IT-Hilfe <it@example.com>", "mail-language": "de",
            "public-url": "https://help.example.com",
        ]
        #expect(Set(samples.keys) == Set(Settings.all.map(\.name)), "a sample for every setting")
        for setting in Settings.all {
            let sample = try #require(samples[setting.name])
            #expect(sample != setting.defaultText, "\(setting.flag)")
            let settings = try applied([setting.flag, sample])
            #expect(setting.text(in: settings) == sample, "\(setting.flag)")
        }
        // The typed fields, for a few: what the hub is given.
        let settings = try applied(["--hello-timeout=3s", "--command-rate", "7", "--invite-timeout", "5m"])
        #expect(settings.hub.helloTimeout == .seconds(3))
        #expect(settings.hub.commandRate == 7)
        #expect(settings.hub.commandBurst == 14, "the burst follows the rate")
        #expect(settings.hub.swarm.inviteTimeout == 300_000)
        #expect(try applied(["--command-burst", "3", "--command-rate", "7"]).hub.commandBurst == 3)
    }

    @Test(
        "bad values and arguments are refused with a message that names them",
        arguments: [
            (["--port", "70000"], "--port must be a whole number from 0 to 65535, not '70000'"),
            (
                ["--hello-timeout", "10 seconds"],
                "--hello-timeout must be a duration such as 500ms, 90s, 15m, 4h or 2d"
            ),
            (["--port", "-1"], "--port must be a whole number from 0 to 65535, not '-1'"),
            (["--hello-timeout", "0s"], "--hello-timeout must be from 100ms to 1h, not '0s'"),
            (["--command-rate", "fast"], "--command-rate must be a number"),
            (["--log-format", "xml"], "--log-format must be one of text, json, not 'xml'"),
            (["--metrics-address", "localhost"], "--metrics-address 'localhost' must be HOST:PORT"),
            (["--queue-invitations", "network=99"], "--queue-invitations takes queue=n with n from 1 to 20"),
            (["--allowed-origin", "desk.example.com"], "--allowed-origin must be scheme://host[:port]"),
            (["--mail-domains", "example.com,@example.org"], "--mail-domains takes comma-separated mail domains"),
            (["--host", ""], "--host must not be empty"),
            // ArgumentParser's own messages, for what is not a value of a setting.
            (["--helo-timeout", "5s"], "Unknown option '--helo-timeout'. Did you mean '--hello-timeout'?"),
            (["--port"], "Missing value for '--port <port>'"),
            (["9000"], "Unexpected argument '9000'"),
        ])
    func refused(arguments: [String], message: String) {
        let refusal = self.message(ServeOptions.self, arguments)
        #expect(refusal?.contains(message) == true, "\(refusal ?? "accepted")")
    }

    @Test("a setting given twice takes the last value; a repeatable one keeps all")
    func repeats() throws {
        let settings = try applied([
            "--port", "1", "--allowed-origin", "https://a.example", "--port", "2",
            "--allowed-origin=https://b.example",
        ])
        #expect(settings.hub.port == 2)
        #expect(settings.hub.allowedOrigins == ["https://a.example", "https://b.example"])
    }

    @Test("what settings say together is checked: TLS files come as a pair, metrics need a port of their own")
    func together() throws {
        #expect(throws: SettingError.self) { try applied(["--tls-cert", "hub.pem"]).validate() }
        #expect(throws: SettingError.self) { try applied(["--tls-key", "hub-key.pem"]).validate() }
        #expect(throws: SettingError.self) {
            try applied(["--port", "9000", "--metrics-address", "127.0.0.1:9000"]).validate()
        }
        try applied(["--tls-cert", "hub.pem", "--tls-key", "hub-key.pem"]).validate()
    }

    @Test("the configuration file's hub section takes the same names, and names the line of a bad one")
    func configurationFile() throws {
        let file = try QueueConfiguration.parse(
            """
            hub:
              hello-timeout: 2s
              max-subscriptions: 50
              allowed-origin:
                - https://a.example
                - https://b.example
            """, file: "swarmd.yaml")
        var settings = ServeSettings(taxonomy: .empty)
        try file.applyHub(to: &settings, file: "swarmd.yaml")
        #expect(settings.hub.helloTimeout == .seconds(2))
        #expect(settings.hub.maxSubscriptions == 50)
        #expect(settings.hub.allowedOrigins == ["https://a.example", "https://b.example"])
        let cases: [(String, String)] = [
            ("hub:\n  port: 8080\n  hello-timeout: soon\n", "swarmd.yaml:3: hub.hello-timeout: must be a duration"),
            ("hub:\n  prot: 1\n", "swarmd.yaml:2: hub: unknown setting 'prot'"),
            ("hub:\n  port: [1, 2]\n", "swarmd.yaml:2: hub.port takes one value, not a list"),
            ("hub: 5\n", "swarmd.yaml:1: hub must be a mapping"),
        ]
        for (text, message) in cases {
            #expect {
                var settings = ServeSettings(taxonomy: .empty)
                try QueueConfiguration.parse(text, file: "swarmd.yaml").applyHub(to: &settings, file: "swarmd.yaml")
            } throws: { error in
                (error as? ConfigError)?.description.hasPrefix(message) == true
            }
        }
    }

    @Test("docs/operations.md lists every setting as the table says it")
    func documented() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/operations.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let table = Settings.markdownTable
        let found = text.contains(table)
        #expect(found, "docs/operations.md, Settings, must hold this table as it is:\n\(table)")
    }
}

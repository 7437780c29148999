import Foundation
import SwarmProtocol
import Testing

@testable import SwarmConfiguration

@Suite("Webhooks in the configuration file: what a hook says, and a bad one named by its line")
struct WebhookConfigurationTests {
    /// A folder with a secret file, for hooks that name one.
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-hooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try "a-secret-of-twenty-chars\n".write(
            to: url.appendingPathComponent("chat.secret"), atomically: true, encoding: .utf8)
        try "https://chat.example.com/hooks/xyzzy-secret-path\n".write(
            to: url.appendingPathComponent("chat.url"), atomically: true, encoding: .utf8)
        try "short\n".write(to: url.appendingPathComponent("short.secret"), atomically: true, encoding: .utf8)
        return url
    }

    @Test("each key is read; events default to what a team acts on, channels to all; secrets and URLs from files")
    func parsed() throws {
        let dir = try folder().path
        let file = try QueueConfiguration.parse(
            """
            queues:
              network: {mode: swarm}
            webhooks:
              - name: network-chat
                url: https://chat.example.com/hooks/abc
                format: slack
                secret_file: \(dir)/chat.secret
                events: [expert.invited, sla.warning, comment.added]
                channels: [queue:network, sla, agent:dana, skill:network.*]
                internal_notes: true
              - name: ops_teams
                url_file: \(dir)/chat.url
                format: teams
                secret_file: \(dir)/chat.secret
              - name: everything
                url: http://127.0.0.1:9009/in
                format: json
                secret_file: \(dir)/chat.secret
                events: "*"
            """, file: "swarmd.yaml")
        #expect(file.webhooks.map(\.name) == ["network-chat", "ops_teams", "everything"])
        #expect(file.webhooks[0].line == 4)
        let hooks = try file.loadedWebhooks(file: "swarmd.yaml")
        #expect(hooks[0].format == .slack && hooks[1].format == .teams && hooks[2].format == .json)
        #expect(hooks[0].events == [.expertInvited, .slaWarning, .commentAdded])
        #expect(hooks[0].channels == ["queue:network", "sla", "agent:dana", "skill:network.*"])
        #expect(hooks[0].internalNotes && !hooks[1].internalNotes)
        #expect(hooks[0].secret == Array("a-secret-of-twenty-chars".utf8))
        #expect(hooks[1].events == WebhookConfiguration.defaultEvents && hooks[1].channels.isEmpty)
        #expect(hooks[1].url.text == "https://chat.example.com/hooks/xyzzy-secret-path")
        #expect("\(hooks[1].url)" == "https://chat.example.com/…", "logs never show the URL's secret path")
        #expect(hooks[2].events == Set(EventType.allCases))
    }

    @Test("a bad hook is refused with the file, the line and the key")
    func refused() throws {
        let dir = try folder().path
        func hook(_ lines: String) -> String { "webhooks:\n  - name: chat\n" + lines }
        let good = "    url: https://chat.example.com/x\n    format: slack\n    secret_file: \(dir)/chat.secret\n"
        let cases: [(String, String)] = [
            ("webhooks: {name: x}\n", "swarmd.yaml:1: webhooks must be a list"),
            ("webhooks:\n  - name: Chat!\n", "swarmd.yaml:2: webhooks[0].name: 'Chat!' is not a hook name"),
            (hook("    format: slack\n    secret_file: x\n"), "swarmd.yaml:2: webhooks.chat needs 'url'"),
            (
                hook("    url: ftp://files.example.com/x\n    format: slack\n    secret_file: x\n"),
                "swarmd.yaml:3: webhooks.chat.url must be an http:// or https:// URL"
            ),
            (
                hook("    url: https://chat.example.com/x\n    format: irc\n    secret_file: x\n"),
                "swarmd.yaml:4: webhooks.chat.format: 'irc' is not one of: slack, teams, matrix, json"
            ),
            (
                hook("    url: https://c.example/x\n    format: json\n"),
                "swarmd.yaml:2: webhooks[0] needs 'secret_file'"
            ),
            (hook(good + "    events: [sla.warning, sla.late]\n"), "swarmd.yaml:6: webhooks.chat.events: 'sla.late'"),
            (hook(good + "    channels: [metrics]\n"), "swarmd.yaml:6: webhooks.chat.channels: 'metrics' is not"),
            (hook(good + "    internal_notes: sometimes\n"), "swarmd.yaml:6: webhooks.chat.internal_notes"),
            (hook(good + "    colour: red\n"), "swarmd.yaml:6: webhooks[0]: unknown key 'colour'"),
            (hook(good) + "  - name: chat\n" + good, "swarmd.yaml:6: webhooks[1].name: another hook is named 'chat'"),
        ]
        for (text, message) in cases {
            #expect {
                _ = try QueueConfiguration.parse(text, file: "swarmd.yaml").loadedWebhooks(file: "swarmd.yaml")
            } throws: { error in
                (error as? ConfigError)?.description.hasPrefix(message) == true
            }
        }
        // The files are read when the hub starts: a missing or short secret names the hook's line.
        for (secret, message) in [
            ("\(dir)/none.secret", "swarmd.yaml:2: webhooks[0].secret_file: cannot read"),
            ("\(dir)/short.secret", "swarmd.yaml:2: webhooks[0].secret_file: \(dir)/short.secret must hold a secret"),
        ] {
            let text = hook("    url: https://c.example/x\n    format: json\n    secret_file: \(secret)\n")
            #expect {
                _ = try QueueConfiguration.parse(text, file: "swarmd.yaml").loadedWebhooks(file: "swarmd.yaml")
            } throws: { error in
                (error as? ConfigError)?.description.hasPrefix(message) == true
            }
        }
    }
}

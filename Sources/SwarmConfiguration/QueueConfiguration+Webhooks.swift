import Foundation
public import SwarmProtocol
import Yams

extension QueueConfiguration {
    /// One hook of the `webhooks` list as the file gives it, with the line it starts on.
    public struct WebhookEntry: Sendable, Hashable {
        public var name: String
        /// The URL given in the file (`url`), or `nil` when it is read from `urlFile`.
        public var url: WebhookURL?
        /// The file the URL is read from (`url_file`): a chat's webhook URL is a secret of its own.
        public var urlFile: String?
        public var format: WebhookFormat
        /// The file the signature's key is read from (`secret_file`).
        public var secretFile: String
        public var events: Set<EventType>
        public var channels: Set<String>
        public var internalNotes: Bool
        public var line: Int?
    }

    /// The hooks with their secrets (and URLs given by file) read; the error names the configuration
    /// file, the hook's line and the key whose file cannot be used.
    public func loadedWebhooks(file: String) throws(ConfigError) -> [WebhookConfiguration] {
        var hooks: [WebhookConfiguration] = []
        for (index, entry) in webhooks.enumerated() {
            let path = "webhooks[\(index)]"
            let secret: [UInt8]
            do throws(SettingError) {
                secret = try WebhookConfiguration.readSecret(path: entry.secretFile)
            } catch {
                throw ConfigError(file: file, line: entry.line, "\(path).secret_file: \(error.message)")
            }
            var url = entry.url
            if let urlFile = entry.urlFile {
                do throws(SettingError) {
                    let text: String
                    do {
                        text = try String(contentsOfFile: urlFile, encoding: .utf8)
                    } catch {
                        throw SettingError("cannot read \(urlFile): \(error.localizedDescription)")
                    }
                    let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                    url = try WebhookURL(parsing: line.trimmingCharacters(in: .whitespacesAndNewlines))
                } catch {
                    throw ConfigError(file: file, line: entry.line, "\(path).url_file: \(error.message)")
                }
            }
            guard let url else { throw ConfigError(file: file, line: entry.line, "\(path) needs 'url' or 'url_file'") }
            hooks.append(
                WebhookConfiguration(
                    name: entry.name, url: url, format: entry.format, secret: secret, events: entry.events,
                    channels: entry.channels, internalNotes: entry.internalNotes))
        }
        return hooks
    }
}

extension QueueConfiguration.Reader {
    /// `webhooks: [{name, url | url_file, format, secret_file, events?, channels?, internal_notes?}]`.
    func webhooks(_ node: Node) throws(ConfigError) -> [QueueConfiguration.WebhookEntry] {
        guard let list = node.sequence else {
            throw error(node, "webhooks must be a list of {name, url, format, secret_file, events, channels}")
        }
        var result: [QueueConfiguration.WebhookEntry] = []
        for (index, item) in list.enumerated() {
            let path = "webhooks[\(index)]"
            let fields = try mapping(
                item, path,
                keys: ["name", "url", "url_file", "format", "secret_file", "events", "channels", "internal_notes"])
            func required(_ key: String) throws(ConfigError) -> (key: Node, value: Node) {
                guard let field = fields[key] else { throw error(item, "\(path) needs '\(key)'") }
                return field
            }
            let nameNode = try required("name").value
            let name = try string(nameNode, "\(path).name")
            guard WebhookConfiguration.isValidName(name) else {
                throw error(
                    nameNode, "\(path).name: '\(name)' is not a hook name (lowercase letters, digits, '-', '_')")
            }
            guard !result.contains(where: { $0.name == name }) else {
                throw error(nameNode, "\(path).name: another hook is named '\(name)'")
            }
            let where_ = "webhooks.\(name)"
            var url: WebhookURL?
            var urlFile: String?
            switch (fields["url"], fields["url_file"]) {
            case (.some(let given), nil):
                let text = try string(given.value, "\(where_).url")
                do throws(SettingError) {
                    url = try WebhookURL(parsing: text)
                } catch {
                    throw self.error(given.value, "\(where_).url \(error.message)")
                }
            case (nil, .some(let given)):
                urlFile = try string(given.value, "\(where_).url_file")
            case (.some, .some): throw error(item, "\(where_): give 'url' or 'url_file', not both")
            case (nil, nil): throw error(item, "\(where_) needs 'url' (or 'url_file', a file that holds it)")
            }
            let formatNode = try required("format").value
            let formatText = try string(formatNode, "\(where_).format")
            guard let format = WebhookFormat(rawValue: formatText) else {
                let known = WebhookFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(formatNode, "\(where_).format: '\(formatText)' is not one of: \(known)")
            }
            let secretFile = try string(try required("secret_file").value, "\(where_).secret_file")
            var events = WebhookConfiguration.defaultEvents
            if let given = fields["events"] { events = try eventTypes(given.value, "\(where_).events") }
            var channels: Set<String> = []
            if let given = fields["channels"] { channels = try channelNames(given.value, "\(where_).channels") }
            var internalNotes = false
            if let given = fields["internal_notes"] {
                let text = try string(given.value, "\(where_).internal_notes")
                guard let value = Bool(text) else {
                    throw error(given.value, "\(where_).internal_notes: '\(text)' is not true or false")
                }
                internalNotes = value
            }
            result.append(
                QueueConfiguration.WebhookEntry(
                    name: name, url: url, urlFile: urlFile,
                    format: format, secretFile: secretFile, events: events, channels: channels,
                    internalNotes: internalNotes, line: item.mark?.line))
        }
        return result
    }

    /// A list of event types (`[sla.warning, expert.invited]`), or `"*"` for every type.
    func eventTypes(_ node: Node, _ path: String) throws(ConfigError) -> Set<EventType> {
        if node.scalar?.string == "*" { return Set(EventType.allCases) }
        guard let list = node.sequence, !list.isEmpty else {
            throw error(node, "\(path) must be a list of event types such as [sla.warning, expert.invited], or '*'")
        }
        var types: Set<EventType> = []
        for item in list {
            let text = try string(item, path)
            guard let type = EventType(rawValue: text) else {
                let known = EventType.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(item, "\(path): '\(text)' is not an event type (known: \(known))")
            }
            types.insert(type)
        }
        return types
    }

    /// A list of channel names (`[queue:network, sla, agent:dana]`); `metrics` carries no events.
    func channelNames(_ node: Node, _ path: String) throws(ConfigError) -> Set<String> {
        guard let list = node.sequence, !list.isEmpty else {
            throw error(node, "\(path) must be a list of channels such as [queue:network, sla, agent:dana]")
        }
        var names: Set<String> = []
        for item in list {
            let text = try string(item, path)
            guard let channel = Channel(text), channel != .metrics else {
                throw error(
                    item,
                    "\(path): '\(text)' is not a channel events are published on (ticket:ID, queue:NAME, agent:ID, skill:TAG, dispatch, backlog, agents, sla, kb)"
                )
            }
            names.insert(channel.description)
        }
        return names
    }
}

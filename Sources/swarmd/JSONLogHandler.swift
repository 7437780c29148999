import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line to standard error (`--log-format json`),
/// for log shippers that parse lines rather than read text: `timestamp` (ISO 8601, UTC, with
/// milliseconds), `level`, `label`, `source` (the module), `message` and `metadata` (an object; the
/// logger's, the provider's and the entry's own, merged in that order).
///
/// swift-log ships only a text handler and none of the packages this project builds on has a JSON
/// one, so this is the small one it needs. Lines are written whole, one `write` each, under a lock,
/// so entries from several threads never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let line = Line(
            timestamp: Self.timestamp(), level: event.level.rawValue, label: label, source: event.source,
            message: event.message.description, metadata: merged.mapValues(Value.init))
        Self.output.write(line)
    }

    /// One entry as it is written.
    struct Line: Encodable {
        var timestamp: String
        var level: String
        var label: String
        var source: String
        var message: String
        var metadata: [String: Value]
    }

    /// A metadata value as JSON: strings stay strings, arrays and dictionaries nest.
    enum Value: Encodable {
        case string(String)
        case array([Value])
        case object([String: Value])

        init(_ value: Logger.MetadataValue) {
            switch value {
            case .string(let text): self = .string(text)
            case .stringConvertible(let convertible): self = .string(convertible.description)
            case .array(let values): self = .array(values.map(Value.init))
            case .dictionary(let entries): self = .object(entries.mapValues(Value.init))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .array(let values): try container.encode(values)
            case .object(let entries): try container.encode(entries)
            }
        }
    }

    /// Standard error, one whole line per write.
    private static let output = Output()

    final class Output: Sendable {
        private let encoder: JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        }()
        private let lock = Mutex(())

        func write(_ line: Line) {
            guard var data = try? encoder.encode(line) else { return }
            data.append(0x0A)
            lock.withLock { _ in FileHandle.standardError.write(data) }
        }
    }

    private static let formatter: Mutex<ISO8601DateFormatter> = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return Mutex(formatter)
    }()

    private static func timestamp() -> String {
        formatter.withLock { $0.string(from: Date()) }
    }
}

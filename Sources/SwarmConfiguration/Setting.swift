import Foundation
import SwarmCore

/// One setting of `swarmd serve`, declared once: its name is the flag (`--hello-timeout 5s`, declared
/// to ArgumentParser from here: ``ServeOptions``) and the key in the `hub:` section of the
/// configuration file (`hello-timeout: 5s`); it parses and checks the value and sets one field of
/// ``ServeSettings``; its default is that field's initial value. No setting is read from the
/// environment: the service's environment file passes flags (`SWARMD_OPTIONS`).
public struct Setting: Sendable {
    /// The flag without its dashes, and the configuration file's key.
    public let name: String
    /// What the value is, in the help (`duration`, `n`, `host:port`).
    public let valueName: String
    /// One sentence for the help and docs/operations.md.
    public let help: String
    /// Whether it may be given more than once (each value adds to a list).
    public let repeatable: Bool
    /// The values it accepts, for the docs (`1–100000`, `100ms–1h`).
    public let accepts: String
    private let set: @Sendable ([String], inout ServeSettings) throws(SettingError) -> Void
    private let show: @Sendable (ServeSettings) -> String

    init(
        _ name: String, value valueName: String, repeatable: Bool = false, accepts: String, help: String,
        show: @escaping @Sendable (ServeSettings) -> String,
        set: @escaping @Sendable ([String], inout ServeSettings) throws(SettingError) -> Void
    ) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.repeatable = repeatable
        self.accepts = accepts
        self.set = set
        self.show = show
    }

    /// The flag, `--name`.
    public var flag: String { "--\(name)" }

    /// The default as it would be written (`10s`, `100`), or `none`.
    public var defaultText: String { show(.defaults) }

    /// The value in `settings`, as it would be written.
    public func text(in settings: ServeSettings) -> String { show(settings) }

    /// Parses `values` into `settings`; the error does not name the setting. A setting that is not
    /// repeatable takes the last value given, as a flag given twice does.
    public func apply(_ values: [String], to settings: inout ServeSettings) throws(SettingError) {
        guard let last = values.last else { return }
        try set(repeatable ? values : [last], &settings)
    }
}

// MARK: Kinds of setting

extension Setting {
    /// The field of ``ServeSettings`` a setting sets.
    typealias Path<Value> = any WritableKeyPath<ServeSettings, Value> & Sendable

    static func count(
        _ name: String, _ path: Path<Int>, _ range: ClosedRange<Int>,
        value: String = "n", _ help: String
    ) -> Setting {
        Setting(
            name, value: value, accepts: "\(range.lowerBound)–\(range.upperBound)", help: help,
            show: { "\($0[keyPath: path])" }
        ) { values, settings throws(SettingError) in
            guard let n = Int(values[0]), range.contains(n) else {
                throw SettingError(
                    "must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(values[0])'")
            }
            settings[keyPath: path] = n
        }
    }

    /// A rate of a token bucket: setting it sets the bucket's burst to twice as many (a later
    /// `--…-burst` still wins).
    static func rate(
        _ name: String, _ path: Path<Double>, burst: Path<Double>, _ range: ClosedRange<Double>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "n", accepts: "\(Settings.number(range.lowerBound))–\(Settings.number(range.upperBound))",
            help: help, show: { Settings.number($0[keyPath: path]) }
        ) {
            values, settings throws(SettingError) in
            let rate = try Settings.parseNumber(values[0], in: range)
            settings[keyPath: path] = rate
            settings[keyPath: burst] = max(1, rate * 2)
        }
    }

    static func number(
        _ name: String, _ path: Path<Double>, _ range: ClosedRange<Double>,
        _ help: String
    ) -> Setting {
        Setting(
            name, value: "n", accepts: "\(Settings.number(range.lowerBound))–\(Settings.number(range.upperBound))",
            help: help, show: { Settings.number($0[keyPath: path]) }
        ) {
            values, settings throws(SettingError) in
            settings[keyPath: path] = try Settings.parseNumber(values[0], in: range)
        }
    }

    static func duration(
        _ name: String, _ path: Path<Duration>,
        _ range: ClosedRange<Int64>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "duration", accepts: Settings.durations(range), help: help,
            show: { "\(TextDuration($0[keyPath: path]))" }
        ) {
            values, settings throws(SettingError) in
            settings[keyPath: path] = try Settings.parseDuration(values[0], in: range).duration
        }
    }

    /// A duration the swarm settings keep in milliseconds.
    static func milliseconds(
        _ name: String, _ path: Path<Int64>,
        _ range: ClosedRange<Int64>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "duration", accepts: Settings.durations(range), help: help,
            show: { "\(TextDuration(milliseconds: $0[keyPath: path]))" }
        ) { values, settings throws(SettingError) in
            settings[keyPath: path] = try Settings.parseDuration(values[0], in: range).milliseconds
        }
    }

    static func text(
        _ name: String, _ path: Path<String>, value: String, _ help: String
    ) -> Setting {
        Setting(name, value: value, accepts: "not empty, no spaces", help: help, show: { $0[keyPath: path] }) {
            values, settings throws(SettingError) in
            let text = values[0]
            guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                throw SettingError("must not be empty or contain spaces")
            }
            settings[keyPath: path] = text
        }
    }

    static func file(
        _ name: String, _ path: Path<String?>, _ help: String
    ) -> Setting {
        Setting(
            name, value: "file", accepts: "a readable file", help: help, show: { $0[keyPath: path] ?? "none" }
        ) {
            values, settings throws(SettingError) in
            guard !values[0].isEmpty else { throw SettingError("must name a file") }
            settings[keyPath: path] = values[0]
        }
    }

    static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: Path<Value>, _ help: String
    ) -> Setting where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        return Setting(
            name, value: names.joined(separator: "|"), accepts: names.map { "`\($0)`" }.joined(separator: ", "),
            help: help, show: { $0[keyPath: path].rawValue }
        ) { values, settings throws(SettingError) in
            guard let value = Value(rawValue: values[0]) else {
                throw SettingError("must be one of \(names.joined(separator: ", ")), not '\(values[0])'")
            }
            settings[keyPath: path] = value
        }
    }
}

extension Settings {
    static func parseNumber(_ text: String, in range: ClosedRange<Double>) throws(SettingError) -> Double {
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw SettingError(
                "must be a number from \(Self.number(range.lowerBound)) to \(Self.number(range.upperBound)), not '\(text)'"
            )
        }
        return number
    }

    static func parseDuration(_ text: String, in range: ClosedRange<Int64>) throws(SettingError) -> TextDuration {
        guard let duration = TextDuration(text) else {
            throw SettingError("must be a duration \(TextDuration.examples), not '\(text)'")
        }
        guard range.contains(duration.milliseconds) else {
            throw SettingError(
                "must be from \(TextDuration(milliseconds: range.lowerBound)) to \(TextDuration(milliseconds: range.upperBound)), not '\(text)'"
            )
        }
        return duration
    }

    /// A range of durations as written: `100ms–1h`.
    static func durations(_ range: ClosedRange<Int64>) -> String {
        "\(TextDuration(milliseconds: range.lowerBound))–\(TextDuration(milliseconds: range.upperBound))"
    }

    /// A number as written: `100`, `0.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}

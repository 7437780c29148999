public import ArgumentParser

// The table drives ArgumentParser rather than parsing beside it: each option of ``ServeOptions`` and
// ``SwarmOptions`` is declared with `@Option(Setting.x)`, so its flag, value name and help come from the
// table. The option holds the text as given; the table's `set` parses and checks it (in `validate()`),
// so a value is refused with the same message whether it came from a flag or the configuration file.

extension Setting {
    /// The help ArgumentParser prints for the flag: the sentence and the default, as ArgumentParser
    /// shows the defaults of its own options.
    public var argumentHelp: ArgumentHelp {
        let text = defaultText == "none" ? help : "\(help) (default: \(defaultText))"
        return ArgumentHelp(text, valueName: valueName)
    }
}

extension Option {
    /// The option of a setting that takes one value: `--name value` or `--name=value`, the last one
    /// given wins. The value is taken whatever it looks like (`--port -1` is refused by the setting,
    /// naming it, rather than read as a missing value).
    public init(_ setting: Setting) where Value == String? {
        self.init(name: .customLong(setting.name), parsing: .unconditional, help: setting.argumentHelp)
    }

    /// The option of a repeatable setting: every `--name value` adds a value.
    public init(wrappedValue: [String], _ setting: Setting) where Value == [String] {
        self.init(
            wrappedValue: wrappedValue, name: .customLong(setting.name), parsing: .unconditionalSingleValue,
            help: setting.argumentHelp)
    }
}

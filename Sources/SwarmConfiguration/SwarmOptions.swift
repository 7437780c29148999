public import ArgumentParser
public import SwarmCore

/// The swarm settings `swarmd serve` and `swarmd simulate` share (`--invitations`, `--invite-timeout`,
/// `--backlog-after`): one `@OptionGroup` in both, declared from the table, so the simulator takes
/// them with the same names, bounds, defaults and messages as the hub.
public struct SwarmOptions: ParsableArguments {
    @Option(Setting.invitations) var invitations: String?
    @Option(Setting.inviteTimeout) var inviteTimeout: String?
    @Option(Setting.backlogAfter) var backlogAfter: String?

    /// No values given: the defaults.
    public init() {}

    /// What was given, by setting name (``Settings/Given``).
    var given: Settings.Given {
        var given: Settings.Given = [:]
        for (setting, value) in [
            (Setting.invitations, invitations), (.inviteTimeout, inviteTimeout),
            (.backlogAfter, backlogAfter),
        ] {
            if let value { given[setting.name] = [value] }
        }
        return given
    }

    /// Refuses a bad value as a usage error (exit status 64) with the table's message.
    public func validate() throws {
        var settings = SwarmSettings()
        do throws(SettingError) {
            try apply(to: &settings)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Sets the fields of `swarm` that were given; the error names the flag.
    public func apply(to swarm: inout SwarmSettings) throws(SettingError) {
        // The table's entries set fields of ServeSettings; the swarm settings are one of them.
        var settings = ServeSettings.defaults
        settings.hub.swarm = swarm
        try Settings.apply(given, to: &settings)
        swarm = settings.hub.swarm
    }
}

public import ArgumentParser

/// The settings of `swarmd serve` as ArgumentParser options: one `@Option(Setting.x)` per entry of
/// ``Settings/all``, in its order, so `swarmd serve --help` lists each with the table's help and
/// default, and a bad value is refused by the table's check as a usage error (exit status 64).
///
/// ArgumentParser declares options per property, so the table cannot generate them; instead each
/// option takes its name and help from its entry, and `SettingsTests` checks that this group and the
/// table list the same flags in the same order, and that each flag reaches its own setting.
public struct ServeOptions: ParsableArguments {
    @Option(Setting.host) var host: String?
    @Option(Setting.port) var port: String?
    @Option(Setting.maxFrameSize) var maxFrameSize: String?
    @Option(Setting.maxRequestHead) var maxRequestHead: String?
    @Option(Setting.requestHeadTimeout) var requestHeadTimeout: String?
    @Option(Setting.httpIdleTimeout) var httpIdleTimeout: String?
    @Option(Setting.allowedOrigin) var allowedOrigin: [String] = []
    @Option(Setting.tlsCert) var tlsCert: String?
    @Option(Setting.tlsKey) var tlsKey: String?
    @Option(Setting.outboundQueueLimit) var outboundQueueLimit: String?
    @Option(Setting.outboundQueueBytes) var outboundQueueBytes: String?
    @Option(Setting.maxSubscriptions) var maxSubscriptions: String?
    @Option(Setting.commandRate) var commandRate: String?
    @Option(Setting.commandBurst) var commandBurst: String?
    @Option(Setting.connectionsPerToken) var connectionsPerToken: String?
    @Option(Setting.principalRate) var principalRate: String?
    @Option(Setting.principalBurst) var principalBurst: String?
    @Option(Setting.requesterBytesPerHour) var requesterBytesPerHour: String?
    @Option(Setting.requesterBytesPerTicket) var requesterBytesPerTicket: String?
    @Option(Setting.attachmentMaxFile) var attachmentMaxFile: String?
    @Option(Setting.attachmentMaxTicket) var attachmentMaxTicket: String?
    @Option(Setting.clamd) var clamd: String?
    @Option(Setting.clamdWait) var clamdWait: String?
    @Option(Setting.mailDomains) var mailDomains: String?
    @Option(Setting.mailSignatureImageSize) var mailSignatureImageSize: String?
    @Option(Setting.floodCloseAfter) var floodCloseAfter: String?
    @Option(Setting.helloTimeout) var helloTimeout: String?
    @Option(Setting.closeGrace) var closeGrace: String?
    @Option(Setting.revocationPoll) var revocationPoll: String?
    @Option(Setting.presenceGrace) var presenceGrace: String?
    @Option(Setting.idempotencyWindow) var idempotencyWindow: String?
    @Option(Setting.maxBatch) var maxBatch: String?
    @Option(Setting.timerPoll) var timerPoll: String?
    /// The settings simulate shares, in their place in the table.
    @OptionGroup public var swarm: SwarmOptions
    @Option(Setting.severityOneInvitations) var severityOneInvitations: String?
    @Option(Setting.queueInvitations) var queueInvitations: [String] = []
    @Option(Setting.kbSuggestions) var kbSuggestions: String?
    @Option(Setting.metricsInterval) var metricsInterval: String?
    @Option(Setting.logLevel) var logLevel: String?
    @Option(Setting.logFormat) var logFormat: String?
    @Option(Setting.metricsAddress) var metricsAddress: String?
    @Option(Setting.metricsTokenFile) var metricsTokenFile: String?
    @Option(Setting.smtp) var smtp: String?
    @Option(Setting.smtpCredentials) var smtpCredentials: String?
    @Option(Setting.mailFrom) var mailFrom: String?
    @Option(Setting.mailLanguage) var mailLanguage: String?
    @Option(Setting.publicURL) var publicURL: String?

    /// No values given: the defaults.
    public init() {}

    /// What was given, by setting name (``Settings/Given``).
    var given: Settings.Given {
        let own: [(Setting, [String])] = [
            (Setting.host, host.map { [$0] } ?? []),
            (.port, port.map { [$0] } ?? []),
            (.maxFrameSize, maxFrameSize.map { [$0] } ?? []),
            (.maxRequestHead, maxRequestHead.map { [$0] } ?? []),
            (.requestHeadTimeout, requestHeadTimeout.map { [$0] } ?? []),
            (.httpIdleTimeout, httpIdleTimeout.map { [$0] } ?? []),
            (.allowedOrigin, allowedOrigin),
            (.tlsCert, tlsCert.map { [$0] } ?? []),
            (.tlsKey, tlsKey.map { [$0] } ?? []),
            (.outboundQueueLimit, outboundQueueLimit.map { [$0] } ?? []),
            (.outboundQueueBytes, outboundQueueBytes.map { [$0] } ?? []),
            (.maxSubscriptions, maxSubscriptions.map { [$0] } ?? []),
            (.commandRate, commandRate.map { [$0] } ?? []),
            (.commandBurst, commandBurst.map { [$0] } ?? []),
            (.connectionsPerToken, connectionsPerToken.map { [$0] } ?? []),
            (.principalRate, principalRate.map { [$0] } ?? []),
            (.principalBurst, principalBurst.map { [$0] } ?? []),
            (.requesterBytesPerHour, requesterBytesPerHour.map { [$0] } ?? []),
            (.requesterBytesPerTicket, requesterBytesPerTicket.map { [$0] } ?? []),
            (.attachmentMaxFile, attachmentMaxFile.map { [$0] } ?? []),
            (.attachmentMaxTicket, attachmentMaxTicket.map { [$0] } ?? []),
            (.clamd, clamd.map { [$0] } ?? []),
            (.clamdWait, clamdWait.map { [$0] } ?? []),
            (.mailDomains, mailDomains.map { [$0] } ?? []),
            (.mailSignatureImageSize, mailSignatureImageSize.map { [$0] } ?? []),
            (.floodCloseAfter, floodCloseAfter.map { [$0] } ?? []),
            (.helloTimeout, helloTimeout.map { [$0] } ?? []),
            (.closeGrace, closeGrace.map { [$0] } ?? []),
            (.revocationPoll, revocationPoll.map { [$0] } ?? []),
            (.presenceGrace, presenceGrace.map { [$0] } ?? []),
            (.idempotencyWindow, idempotencyWindow.map { [$0] } ?? []),
            (.maxBatch, maxBatch.map { [$0] } ?? []),
            (.timerPoll, timerPoll.map { [$0] } ?? []),
            (.severityOneInvitations, severityOneInvitations.map { [$0] } ?? []),
            (.queueInvitations, queueInvitations),
            (.kbSuggestions, kbSuggestions.map { [$0] } ?? []),
            (.metricsInterval, metricsInterval.map { [$0] } ?? []),
            (.logLevel, logLevel.map { [$0] } ?? []),
            (.logFormat, logFormat.map { [$0] } ?? []),
            (.metricsAddress, metricsAddress.map { [$0] } ?? []),
            (.metricsTokenFile, metricsTokenFile.map { [$0] } ?? []),
            (.smtp, smtp.map { [$0] } ?? []),
            (.smtpCredentials, smtpCredentials.map { [$0] } ?? []),
            (.mailFrom, mailFrom.map { [$0] } ?? []),
            (.mailLanguage, mailLanguage.map { [$0] } ?? []),
            (.publicURL, publicURL.map { [$0] } ?? []),
        ]
        var given = swarm.given
        for (setting, values) in own where !values.isEmpty { given[setting.name] = values }
        return given
    }

    /// Refuses a bad value as a usage error (exit status 64) with the table's message, naming the
    /// flag. What settings say together (``ServeSettings/validate()``) is checked by the command,
    /// which knows whether a configuration file adds to them.
    public func validate() throws {
        var settings = ServeSettings.defaults
        do throws(SettingError) {
            try apply(to: &settings)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Sets the settings that were given over `settings` (the defaults, or a configuration file's),
    /// in the order of the table; the error names the flag.
    public func apply(to settings: inout ServeSettings) throws(SettingError) {
        try Settings.apply(given, to: &settings)
    }
}

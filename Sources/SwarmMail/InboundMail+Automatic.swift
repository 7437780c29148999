import CGMime

extension InboundMail {
    /// The first reason the message is automatic, in the order the cases are listed in docs/mail.md:
    /// the hub's own mail first (a loop is the worst case), then RFC 3834 and the other conventions.
    static func automaticKind(
        _ object: UnsafeMutablePointer<GMimeObject>?, messageID: String?, report: DeliveryReport?,
        hub: HubMailIdentity
    ) -> AutomaticKind? {
        func value(_ name: String) -> String? {
            header(object, name).map { MailHeaders.oneLine($0) }
        }
        if let mark = value("X-Swarm-Hub") { return .hub("X-Swarm-Hub: \(mark)") }
        if let loop = value("X-Loop"), loop.lowercased().contains(hub.address) { return .hub("X-Loop: \(loop)") }
        if let messageID, messageID.lowercased().hasSuffix("@" + hub.domain) { return .hub("Message-ID: \(messageID)") }
        if let submitted = value("Auto-Submitted") {
            // RFC 3834: the keyword comes first, parameters may follow after ';'.
            let keyword = submitted.split(separator: ";", maxSplits: 1).first.map(String.init) ?? submitted
            let normalized = keyword.trimmingWhitespace().lowercased()
            if normalized != "no" && !normalized.isEmpty { return .autoSubmitted(normalized) }
        }
        if let precedence = value("Precedence")?.trimmingWhitespace().lowercased(),
            ["bulk", "list", "junk"].contains(precedence)
        {
            return .precedence(precedence)
        }
        if let suppress = value("X-Auto-Response-Suppress") { return .autoResponseSuppress(suppress) }
        if let loop = value("X-Loop") { return .xLoop(loop) }
        if report != nil { return .deliveryReport }
        return nil
    }
}

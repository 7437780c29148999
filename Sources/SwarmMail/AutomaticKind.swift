/// Why a message counts as sent by a machine, not a person: such mail never opens a ticket and is never
/// answered (RFC 3834), which is what stops two auto-responders from mailing each other forever.
package enum AutomaticKind: Sendable, Hashable {
    /// The hub's own mail came back: it carries `X-Swarm-Hub`, an `X-Loop` naming the hub, or a
    /// Message-ID in the hub's domain. The value is what gave it away.
    case hub(String)
    /// `Auto-Submitted` with a value other than `no` (`auto-replied`, `auto-generated`, …), lowercased.
    case autoSubmitted(String)
    /// `Precedence: bulk`, `list` or `junk`, lowercased.
    case precedence(String)
    /// `X-Auto-Response-Suppress` (Exchange's mark on its own automatic mail), with its value.
    case autoResponseSuppress(String)
    /// `X-Loop` (another system's loop guard), with its value.
    case xLoop(String)
    /// A delivery-status notification (`multipart/report; report-type=delivery-status`).
    case deliveryReport
}

/// A delivery-status notification (RFC 3464): which recipients of a message could not be reached.
package struct DeliveryReport: Sendable, Hashable {
    /// One recipient the report says failed (`Action: failed`).
    package struct FailedRecipient: Sendable, Hashable {
        /// The address from `Final-Recipient` (without its `rfc822;` type), lowercased.
        package var address: String
        /// `Status`, the enhanced status code (`5.1.1`), if given.
        package var status: String?
        /// `Diagnostic-Code` (the remote server's answer), if given.
        package var diagnostic: String?

        /// Creates a failed recipient.
        package init(address: String, status: String? = nil, diagnostic: String? = nil) {
            self.address = address
            self.status = status
            self.diagnostic = diagnostic
        }
    }

    /// The recipients with `Action: failed`, in the report's order; empty for a delay or success report.
    package var failed: [FailedRecipient]
    /// The Message-ID (without angle brackets) of the message that could not be delivered, when the
    /// report returned its headers.
    package var originalMessageID: String?

    /// Creates a report.
    package init(failed: [FailedRecipient], originalMessageID: String?) {
        self.failed = failed
        self.originalMessageID = originalMessageID
    }
}

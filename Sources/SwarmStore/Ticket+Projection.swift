public import SwarmProtocol

extension Ticket {
    /// The ticket as the ticket projection keeps it: without its comments. Comments live in the log;
    /// leaving them out keeps a row's size bounded, so a ticket with thousands of comments does not
    /// rewrite megabytes on every change. Every store writes this, and `LogCheck` compares with it.
    public var projected: Ticket {
        var ticket = self
        ticket.comments = []
        return ticket
    }
}

import SwarmCore
import SwarmProtocol

let t0 = Timestamp(milliseconds: 1_700_000_000_000)
let alice = Principal(id: "alice", role: .agent)
let bob = Principal(id: "bob", role: .expert)
let carol = Principal(id: "carol", role: .agent)
let lead = Principal(id: "lena", role: .lead)
let requester = Principal(id: "rita", role: .requester)
let otherRequester = Principal(id: "rob", role: .requester)

func openCommand(title: String = "VPN drops every hour", queue: String? = nil, skills: [String]? = nil) -> Command {
    .client(
        .ticketOpen(
            TicketOpen(
                title: title, description: "Since Monday", category: .network, urgency: .high, impact: .medium,
                skills: skills, queue: queue)))
}

/// A small taxonomy for the rules' tests: two trees and a few synonyms and keywords.
let testTaxonomy: Taxonomy = {
    typealias Tag = Taxonomy.Tag
    return try! Taxonomy(
        tags: [
            "network": Tag(synonyms: ["networking"], keywords: ["network", "lan"]),
            "network.dns": Tag(synonyms: ["dns"], keywords: ["dns", "nslookup", "name resolution"]),
            "network.dns.cache": Tag(keywords: ["dns cache"]),
            "network.vpn": Tag(synonyms: ["vpn"], keywords: ["vpn"]),
            "office": Tag(),
            "office.outlook": Tag(synonyms: ["outlook"], keywords: ["outlook"]),
            "printer": Tag(keywords: ["printer", "paper jam"]),
            "windows": Tag(),
            "windows.ad": Tag(synonyms: ["ad"], keywords: ["active directory"]),
        ],
        categories: [.network: ["network"]])
}()

/// Settings for the rules' tests: the test taxonomy, 2 invitations, a 10-minute timeout, a
/// 1-hour backlog time.
func testSettings() -> SwarmSettings {
    var settings = SwarmSettings(taxonomy: testTaxonomy)
    settings.invitations = 2
    settings.severityOneInvitations = 4
    settings.inviteTimeout = 10 * 60_000
    settings.backlogAfter = 3_600_000
    return settings
}

/// A state built by deciding and applying commands, as the ledger does; records every event and
/// the channels it went to.
struct World {
    var state = SwarmState()
    var settings = testSettings()
    var log: [SwarmEvent] = []
    var routes: [[String]] = []
    var clock = t0

    @discardableResult
    mutating func run(_ command: Command, by principal: Principal) throws(DomainError) -> [SwarmEvent] {
        clock = clock.adding(milliseconds: 1000)
        return try runNow(command, by: principal)
    }

    /// Runs a command at the current clock (for timers: move `clock`, then `runNow(.tick, by: .system)`).
    @discardableResult
    mutating func runNow(_ command: Command, by principal: Principal) throws(DomainError) -> [SwarmEvent] {
        let events = try state.decide(command, by: principal, at: clock, settings: settings)
        for event in events {
            let context = state.routingContext(for: event)
            state.apply(event)
            routes.append(state.channels(for: event, context: context).map(\.description))
        }
        log += events
        return events
    }

    func ticket(_ id: String = "T-1") -> Ticket { state.tickets[id]! }

    /// Decides and expects a refusal of `kind`; the state must not change.
    func refuses(_ command: Command, by principal: Principal, _ kind: DomainError.Kind) -> Bool {
        do {
            _ = try state.decide(command, by: principal, at: clock, settings: settings)
            return false
        } catch {
            return error.kind == kind
        }
    }
}

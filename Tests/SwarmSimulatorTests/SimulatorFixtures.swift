import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator

/// A taxonomy holding every tag the workload generator uses, with their parents, and the category
/// rule the standard taxonomy has for network tickets.
let simTaxonomy: Taxonomy = {
    var tags: [String: Taxonomy.Tag] = [:]
    for pool in WorkloadGenerator.skillPools.values {
        for (tag, _) in pool {
            var name = Substring(tag)
            tags[String(name)] = Taxonomy.Tag()
            while let dot = name.lastIndex(of: ".") {
                name = name[..<dot]
                tags[String(name)] = Taxonomy.Tag()
            }
        }
    }
    tags["office"] = Taxonomy.Tag(synonyms: ["msoffice"])
    return try! Taxonomy(tags: tags, categories: [.network: ["network"]])
}()

/// Settings with the simulation taxonomy and tier limits long enough not to interfere.
func simSettings(tier1: Int64 = 24 * 3_600_000) -> SwarmSettings {
    var settings = SwarmSettings(taxonomy: simTaxonomy)
    settings.defaultQueue.tierLimits = [1: tier1, 2: 24 * 3_600_000]
    return settings
}

let day0 = Timestamp(iso8601: "2026-01-05T00:00:00Z")!

func minutes(_ m: Int) -> Int64 { Int64(m) * 60_000 }

/// One ticket arriving at 09:00 on day 0.
func oneTicket(skills: [String], effort: Int, urgency: Level = .medium, impact: Level = .medium) -> [WorkloadItem] {
    [
        WorkloadItem(
            id: "W-1", arrival: day0.adding(milliseconds: minutes(9 * 60)), category: .network, urgency: urgency,
            impact: impact, skills: skills, effortMinutes: effort)
    ]
}

/// A staff of generalists and specialists across the generator's tags, on shifts and around the clock.
let simStaff: [StaffMember] = [
    StaffMember(
        id: "ada", tiers: [1], skills: ["access.password": 3, "office": 3, "printer": 2, "hardware": 2],
        shift: Shift(start: 7 * 60, end: 15 * 60, days: [1, 2, 3, 4, 5])),
    StaffMember(
        id: "ben", tiers: [1], skills: ["office.outlook": 3, "security.mfa": 3, "network": 2, "hardware.laptop": 3],
        shift: Shift(start: 11 * 60, end: 19 * 60, days: [1, 2, 3, 4, 5])),
    StaffMember(
        id: "cas", tiers: [1], skills: ["access.password": 3, "office": 2, "windows": 2], shift: .always,
        capacity: 2),
    StaffMember(
        id: "dee", tiers: [2], skills: ["network": 4, "network.vpn": 4, "network.wifi": 4, "telephony": 3],
        shift: Shift(start: 8 * 60, end: 17 * 60)),
    StaffMember(
        id: "eli", tiers: [2], skills: ["windows": 4, "windows.update": 4, "hardware": 4, "printer": 4, "macos": 3],
        shift: Shift(start: 8 * 60, end: 17 * 60)),
    StaffMember(
        id: "fay", role: .expert, tiers: [3],
        skills: ["network": 5, "windows.ad": 5, "security": 4, "mail.exchange": 4, "storage": 4, "erp.sap": 3],
        shift: Shift(start: 9 * 60, end: 18 * 60)),
    StaffMember(
        id: "gus", role: .expert, tiers: [3, 4],
        skills: ["database": 4, "linux": 4, "web": 4, "cloud": 3, "terminal-server": 4, "office": 4],
        shift: .always),
]

/// A generated workload for the behaviour tests: `count` tickets at `rate` an hour.
func generated(_ count: Int, seed: UInt64 = 7, rate: Double = 3) -> [WorkloadItem] {
    var generator = WorkloadGenerator(count: count, seed: seed)
    generator.ratePerHour = rate
    return generator.generate(taxonomy: simTaxonomy)
}

/// Runs a simulation and returns its events and summary.
func simulate(
    _ workload: [WorkloadItem], staff: [StaffMember], mode: RoutingMode, seed: UInt64 = 1,
    settings: SwarmSettings = simSettings(), configure: (inout SimulationOptions) -> Void = { _ in }
) -> (events: [SwarmEvent], summary: SimulationSummary) {
    var options = SimulationOptions(mode: mode, seed: seed)
    configure(&options)
    return Simulator(workload: workload, staff: staff, settings: settings, options: options).events()
}

extension [SwarmEvent] {
    /// The events of one ticket.
    func of(_ ticket: String) -> [SwarmEvent] { filter { $0.ticket == ticket } }

    /// When the ticket was resolved.
    func resolvedAt(_ ticket: String) -> Timestamp? {
        of(ticket).first {
            if case .statusChanged(_, .resolved, _) = $0.payload { return true }
            return false
        }?.at
    }
}

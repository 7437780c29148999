internal import Foundation
public import SwarmProtocol

/// The Consortium for Service Innovation's rule of thumb for when swarming pays, checked on an
/// imported history (docs/import.md, "Does swarming fit?"): more than 15 minutes of work per new
/// issue, more than 30 % new issues, and about 20 % or more of severity 1–2.
///
/// A *new issue* is one solved without a known answer: in a ServiceNow log, an incident whose last
/// row says `knowledge` FALSE (no knowledge article was used). Severity 1–2 is the hub's priority P1
/// or P2, from urgency × impact. Work minutes are the import's effort estimate.
public struct SwarmingFit: Codable, Sendable, Hashable {
    /// One of the three tests.
    public struct Test: Codable, Sendable, Hashable {
        /// `newShare`, `minutesPerNewIssue` or `severeShare`.
        public var figure: String
        /// The history's value, `nil` when it cannot be known.
        public var value: Double?
        /// The rule of thumb's threshold, and whether the value passes it.
        public var threshold: Double
        public var passes: Bool?
    }

    public static let newShareThreshold = 0.30
    public static let minutesThreshold = 15.0
    public static let severeShareThreshold = 0.20

    public var incidents: Int
    /// Incidents whose `knowledge` is known, and those of them solved without an article.
    public var knowledgeKnown: Int
    public var newIssues: Int
    /// P1 and P2 incidents.
    public var severe: Int
    public var tests: [Test]

    /// The tests over imported incidents.
    public init(_ incidents: [ServiceNowIncident]) {
        self.incidents = incidents.count
        let known = incidents.filter { $0.knowledgeUsed != nil }
        let new = known.filter { $0.knowledgeUsed == false }
        knowledgeKnown = known.count
        newIssues = new.count
        severe = incidents.count {
            let priority = Priority(urgency: $0.urgency, impact: $0.impact)
            return priority == .p1 || priority == .p2
        }
        let newShare = known.isEmpty ? nil : Double(new.count) / Double(known.count)
        // Summed in the incidents' order, so the same history gives the same last digit.
        let minutes = new.isEmpty ? nil : Double(new.reduce(0) { $0 + $1.effortMinutes }) / Double(new.count)
        let severeShare = incidents.isEmpty ? nil : Double(severe) / Double(incidents.count)
        tests = [
            Test(
                figure: "newShare", value: newShare, threshold: Self.newShareThreshold,
                passes: newShare.map { $0 > Self.newShareThreshold }),
            Test(
                figure: "minutesPerNewIssue", value: minutes, threshold: Self.minutesThreshold,
                passes: minutes.map { $0 > Self.minutesThreshold }),
            Test(
                figure: "severeShare", value: severeShare, threshold: Self.severeShareThreshold,
                passes: severeShare.map { $0 >= Self.severeShareThreshold }),
        ]
    }

    /// How many of the three tests pass (unknown ones do not).
    public var passed: Int { tests.count { $0.passes == true } }

    /// The tests as lines for the terminal.
    public func text() -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f %%", $0 * 100) } ?? "unknown" }
        func verdict(_ test: Test) -> String {
            switch test.passes {
            case true?: "yes"
            case false?: "no"
            case nil: "unknown"
            }
        }
        let lines = [
            "Does swarming fit? The Consortium for Service Innovation's rule of thumb (docs/import.md):",
            "  new issues (no knowledge article used)   "
                + "\(percent(tests[0].value)) of \(knowledgeKnown), needs > 30 %: \(verdict(tests[0]))",
            "  work minutes per new issue               "
                + "\(tests[1].value.map { String(format: "%.1f", $0) } ?? "unknown") (estimated), needs > 15: "
                + verdict(tests[1]),
            "  severity 1-2 (P1, P2)                    "
                + "\(percent(tests[2].value)) of \(incidents), needs about 20 % or more: \(verdict(tests[2]))",
            "  \(passed) of 3 pass"
                + (passed == 3
                    ? ": swarming is likely to pay."
                    : ": by this rule swarming is less likely to pay than for a team where all three hold."),
        ]
        return lines.joined(separator: "\n")
    }
}

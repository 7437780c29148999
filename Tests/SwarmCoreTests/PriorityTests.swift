import SwarmProtocol
import Testing

@Suite("Priority matrix")
struct PriorityTests {
    @Test(
        "urgency × impact gives the documented priority",
        arguments: [
            (Level.high, Level.high, Priority.p1), (.high, .medium, .p2), (.high, .low, .p3),
            (.medium, .high, .p2), (.medium, .medium, .p3), (.medium, .low, .p4),
            (.low, .high, .p3), (.low, .medium, .p4), (.low, .low, .p4),
        ])
    func matrix(urgency: Level, impact: Level, expected: Priority) {
        #expect(Priority(urgency: urgency, impact: impact) == expected)
    }

    @Test func prioritiesOrderP1First() {
        #expect(Priority.allCases.sorted() == [.p1, .p2, .p3, .p4])
    }
}

import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator
import Testing

@Suite("Simulator inputs: staff files, shifts, generated workloads")
struct SimulatorInputTests {
    @Test("a staff file is read: tiers, skills (synonyms resolved), shifts, capacity")
    func staffFile() throws {
        let text = """
            agent,role,tiers,skills,shift,capacity
            hana,agent,1;2,access.password:4;msoffice:3,mon-fri 07:00-15:00,
            sami,expert,3,network.dns:5,always,2

            mona,lead,,network:2,22:00-06:00,
            """
        let staff = try Staff.parse(text, file: "staff.csv", taxonomy: simTaxonomy)
        #expect(staff.map(\.id) == ["hana", "sami", "mona"])
        #expect(staff[0].tiers == [1, 2] && staff[0].role == .agent)
        #expect(staff[0].skills == ["access.password": 4, "office": 3])
        #expect(staff[0].shift == Shift(start: 7 * 60, end: 15 * 60, days: [1, 2, 3, 4, 5]))
        #expect(staff[1].capacity == 2 && staff[1].shift == .always && staff[1].role == .expert)
        #expect(staff[2].tiers.isEmpty && staff[2].capacity == nil)
        // Written back and read again, the same staff.
        #expect(try Staff.parse(Staff.csv(staff), file: "again", taxonomy: simTaxonomy) == staff)
    }

    @Test("every bad staff line is reported with its line number, and nothing is used")
    func staffErrors() {
        let text = """
            agent,role,tiers,skills,shift
            hana,agent,1,access.password:4,always
            hana,agent,1,office:3,always
            swarmd,agent,1,office:3,always
            bob,requester,1,office:3,always
            cy,agent,5,office:3,always
            di,agent,1,office:9,always
            ed,agent,1,pigeon:3,always
            fi,agent,1,office,always
            gu,agent,1,office:3,9-17
            ho,agent,1,office:3,mon-fry 08:00-17:00
            ia,agent,1,office:3;office:2,always
            """
        #expect {
            try Staff.parse(text, file: "staff.csv", taxonomy: simTaxonomy)
        } throws: { error in
            guard let error = error as? InputFileError else { return false }
            let lines = error.problems.map(\.line)
            let text = error.description
            return lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
                && text.contains("staff.csv:3: agent 'hana' is already on line 2")
                && text.contains("staff.csv:4: agent 'swarmd' is not an agent id")
                && text.contains("staff.csv:5: role 'requester' is not one of agent, expert, lead")
                && text.contains("staff.csv:6: tier '5' is not a tier from 1 to 4")
                && text.contains("staff.csv:7: skill 'office': level 9 is not from 1 to 5")
                && text.contains("staff.csv:8: skill 'pigeon' is not a tag of the taxonomy")
                && text.contains("staff.csv:9: skill 'office' is not tag:level")
                && text.contains("staff.csv:10: shift '9-17' is not 'always'")
                && text.contains("staff.csv:11: shift 'mon-fry 08:00-17:00'")
                && text.contains("staff.csv:12: skill 'office' is listed twice")
        }
    }

    @Test("a staff file without its columns or its people is refused at line 1 or 2")
    func staffShape() {
        #expect(throws: InputFileError.self) { try Staff.parse("", file: "s", taxonomy: simTaxonomy) }
        #expect {
            try Staff.parse("agent,role,skills\nhana,agent,office:3\n", file: "s", taxonomy: simTaxonomy)
        } throws: { error in
            (error as? InputFileError)?.description.hasPrefix("s:1: missing column(s) tiers, shift") == true
        }
        #expect {
            try Staff.parse("agent,role,tiers,skills,shift\n", file: "s", taxonomy: simTaxonomy)
        } throws: { error in
            (error as? InputFileError)?.problems.map(\.line) == [2]
        }
    }

    @Test("a workload's unknown skill tags are reported with their lines")
    func workloadSkills() {
        let text = """
            id,arrival,category,urgency,impact,skills,effort_minutes,queue
            W-1,2026-01-05T09:00:00Z,network,high,low,network.vpn,30,general
            W-2,2026-01-05T09:10:00Z,network,high,low,network.vpn;pigeon,30,general
            W-3,2026-01-05T09:20:00Z,other,low,low,,30,general
            """
        #expect {
            try Simulator.checkSkills(text, file: "w.csv", taxonomy: simTaxonomy)
        } throws: { error in
            (error as? InputFileError)?.description == "w.csv:3: skill 'pigeon' is not a tag of the taxonomy"
        }
    }

    @Test("shifts: on and off by weekday and hour, overnight windows, always")
    func shifts() throws {
        let weekdays = try #require(Shift.parse("mon-fri 08:00-17:00"))
        let monday = day0  // 2026-01-05 was a Monday
        #expect(!weekdays.isOn(at: monday.adding(milliseconds: minutes(7 * 60 + 59))))
        #expect(weekdays.isOn(at: monday.adding(milliseconds: minutes(8 * 60))))
        #expect(!weekdays.isOn(at: monday.adding(milliseconds: minutes(17 * 60))))
        #expect(weekdays.nextChange(after: monday) == monday.adding(milliseconds: minutes(8 * 60)))
        // Friday 17:00 → Monday 08:00.
        let friday = monday.adding(milliseconds: minutes(4 * 1440 + 17 * 60))
        #expect(weekdays.nextChange(after: friday) == monday.adding(milliseconds: minutes(7 * 1440 + 8 * 60)))
        let night = try #require(Shift.parse("22:00-06:00"))
        #expect(night.isOn(at: monday.adding(milliseconds: minutes(3 * 60))))
        #expect(night.nextChange(after: monday) == monday.adding(milliseconds: minutes(6 * 60)))
        let weekend = try #require(Shift.parse("sat/sun 09:00-13:00"))
        #expect(weekend.days == [true, false, false, false, false, false, true])
        #expect(try #require(Shift.parse("fri-mon 00:00-24:00")).isOn(at: monday.adding(milliseconds: minutes(-1))))
        #expect(Shift.parse("always")?.nextChange(after: monday) == nil)
        #expect(Shift.parse("25:00-26:00") == nil && Shift.parse("08:00-08:00") == nil && Shift.parse("") == nil)
        #expect(weekdays.description == "mon/tue/wed/thu/fri 08:00-17:00")
        #expect(Shift.parse(weekdays.description) == weekdays)
    }

    @Test("the generator: the same seed gives the same workload; arrivals, skills and efforts as stated")
    func generator() {
        var generator = WorkloadGenerator(count: 2000, seed: 3)
        generator.ratePerHour = 10
        let items = generator.generate(taxonomy: simTaxonomy)
        #expect(items == generator.generate(taxonomy: simTaxonomy))
        #expect(items.count == 2000)
        #expect(zip(items, items.dropFirst()).allSatisfy { $0.arrival <= $1.arrival })
        // 2000 tickets at 10 an hour on average over a week: about 200 hours.
        let hours = Double(items.last!.arrival.milliseconds - generator.start.milliseconds) / 3_600_000
        #expect(hours > 160 && hours < 240)
        #expect(items.allSatisfy { WorkloadGenerator.effortRange.contains($0.effortMinutes) })
        #expect(
            items.allSatisfy { item in !item.skills.isEmpty && item.skills.allSatisfy { simTaxonomy.resolve($0) == $0 }
            })
        // Weekday daytime is busier than nights and weekends.
        let daytime = items.filter { item in
            let hour = item.arrival.milliseconds % 86_400_000 / 3_600_000
            return (8..<17).contains(hour)
        }
        #expect(Double(daytime.count) / Double(items.count) > 0.6)
        // The workload survives the CSV format.
        #expect((try? Workload.parse(Workload.csv(items), file: "g")) == items)
    }

    @Test("the random numbers are fixed by the seed")
    func randomNumbers() {
        var a = SimulationRandom(seed: 42)
        var b = SimulationRandom(seed: 42)
        var c = SimulationRandom(seed: 42, stream: 1)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        var d = SimulationRandom(seed: 1)
        let draws = (0..<10_000).map { _ in d.integer(in: 1...5) }
        #expect(Set(draws) == [1, 2, 3, 4, 5])
        let units = (0..<10_000).map { _ in d.unit() }
        #expect(units.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(units.reduce(0, +) / 10_000 - 0.5) < 0.02)
    }
}

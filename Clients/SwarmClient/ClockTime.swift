public import Foundation
public import SwarmProtocol

/// Times on a clock, for lines that stay on the screen: "14:05" today, "Mar 2 14:05" earlier this
/// year, "2024-03-02" before.
///
/// The live feed (`swarm watch`, the console) prints each line once and leaves it there, so a
/// relative time ("just now") would be wrong an hour later; a clock time stays true.
public enum ClockTime {
    /// The moment `then` in `timeZone` (the user's by default), as much of it as `now` makes useful.
    public static func describe(_ then: Timestamp, now: Timestamp, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let moment = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: then.date)
        let today = calendar.dateComponents([.year, .month, .day], from: now.date)
        let (year, month, day) = (moment.year ?? 0, moment.month ?? 1, moment.day ?? 1)
        let clock = two(moment.hour ?? 0) + ":" + two(moment.minute ?? 0)
        if year == today.year && month == today.month && day == today.day { return clock }
        if year == today.year { return "\(months[(month - 1) % 12]) \(day) \(clock)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// The time of day of `then` in `timeZone`, to the second: "14:05:09" — for "updated at" in a
    /// view that is read again every few seconds.
    public static func seconds(_ then: Timestamp, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let moment = calendar.dateComponents([.hour, .minute, .second], from: then.date)
        return two(moment.hour ?? 0) + ":" + two(moment.minute ?? 0) + ":" + two(moment.second ?? 0)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
}

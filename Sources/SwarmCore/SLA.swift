public import SwarmProtocol

/// Service-level targets of a queue: first response and resolution per priority, measured on the
/// SLA clock — wall-clock time, or business hours when the queue has them — which stops while the
/// ticket waits on its requester. See docs/tiers.md, "SLA".
public struct SLAPolicy: Sendable, Hashable {
    /// Priority → the two targets, in milliseconds of SLA time.
    public var targets: [Priority: SLATargets]
    /// When the SLA clock runs; `nil`: always.
    public var businessHours: BusinessHours?

    /// The documented defaults: P1 15 min / 4 h, P2 1 h / 8 h, P3 4 h / 24 h, P4 8 h / 40 h — with
    /// business hours of 8 a day, P4 is one business day to respond and five to resolve.
    public static let standard = SLAPolicy(
        targets: [
            .p1: SLATargets(firstResponse: 15 * 60_000, resolution: 4 * 3_600_000),
            .p2: SLATargets(firstResponse: 3_600_000, resolution: 8 * 3_600_000),
            .p3: SLATargets(firstResponse: 4 * 3_600_000, resolution: 24 * 3_600_000),
            .p4: SLATargets(firstResponse: 8 * 3_600_000, resolution: 40 * 3_600_000),
        ], businessHours: nil)

    public init(targets: [Priority: SLATargets], businessHours: BusinessHours?) {
        self.targets = targets
        self.businessHours = businessHours
    }

    /// The share of a target at which `sla.warning` fires: 80 %.
    public static let warningPercent: Int64 = 80

    /// SLA time between two instants.
    func elapsed(from start: Timestamp, to end: Timestamp) -> Int64 {
        guard end > start else { return 0 }
        return businessHours?.time(from: start, to: end) ?? (end.milliseconds - start.milliseconds)
    }

    /// The instant at which `amount` of SLA time has passed after `start`.
    func advance(_ start: Timestamp, by amount: Int64) -> Timestamp {
        businessHours?.advance(start, by: amount) ?? start.adding(milliseconds: amount)
    }

    /// When the SLA clock of a ticket reaches `amount`, counting its running spans up to `stop`
    /// (the first response, for that target); `nil` when it stops before (paused, or met).
    func moment(reaching amount: Int64, spans: [SLASpan], stop: Timestamp?) -> Timestamp? {
        var used: Int64 = 0
        for span in spans {
            let end = [span.end, stop].compactMap { $0 }.min()
            let available = end.map { elapsed(from: span.start, to: $0) }
            if let available, used + available < amount {
                used += available
                continue
            }
            let due = advance(span.start, by: amount - used)
            if let end, due > end { return nil }
            return due
        }
        return nil
    }
}

/// One priority's targets, in milliseconds of SLA time.
public struct SLATargets: Sendable, Hashable {
    public var firstResponse: Int64
    public var resolution: Int64
    public init(firstResponse: Int64, resolution: Int64) {
        self.firstResponse = firstResponse
        self.resolution = resolution
    }
}

/// Working hours: on `days`, from `start` to `end` minutes after midnight, at a fixed offset from
/// UTC (daylight saving time is not followed: give the offset of the time you mean).
public struct BusinessHours: Sendable, Hashable {
    /// Weekdays, 0 = Sunday … 6 = Saturday.
    public var days: Set<Int>
    public var start: Int
    public var end: Int
    public var utcOffsetMinutes: Int

    public init(days: Set<Int>, start: Int, end: Int, utcOffsetMinutes: Int) {
        self.days = days
        self.start = start
        self.end = end
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    private static let day: Int64 = 86_400_000

    /// The working window of a local day (days since 1970-01-01), in UTC milliseconds, if it is a working day.
    private func window(ofDay dayIndex: Int64) -> (Int64, Int64)? {
        // Day 0 (1970-01-01) was a Thursday (weekday 4).
        let weekday = Int(((dayIndex % 7) + 7 + 4) % 7)
        guard days.contains(weekday) else { return nil }
        let midnight = dayIndex * Self.day - Int64(utcOffsetMinutes) * 60_000
        return (midnight + Int64(start) * 60_000, midnight + Int64(end) * 60_000)
    }

    private func localDay(_ instant: Int64) -> Int64 {
        let local = instant + Int64(utcOffsetMinutes) * 60_000
        return local >= 0 ? local / Self.day : (local - Self.day + 1) / Self.day
    }

    /// Working time between two instants.
    func time(from start: Timestamp, to end: Timestamp) -> Int64 {
        var total: Int64 = 0
        var day = localDay(start.milliseconds)
        let last = localDay(end.milliseconds)
        while day <= last {
            if let (open, close) = window(ofDay: day) {
                let from = max(open, start.milliseconds)
                let to = min(close, end.milliseconds)
                if to > from { total += to - from }
            }
            day += 1
        }
        return total
    }

    /// The instant at which `amount` of working time has passed after `start`.
    func advance(_ start: Timestamp, by amount: Int64) -> Timestamp {
        var left = amount
        var day = localDay(start.milliseconds)
        // At least one working day a week (checked when configured), so this ends; bounded anyway.
        for _ in 0..<(366 * 20) {
            if let (open, close) = window(ofDay: day) {
                let from = max(open, start.milliseconds)
                if close > from {
                    if from + left <= close { return Timestamp(milliseconds: from + left) }
                    left -= close - from
                }
            }
            day += 1
        }
        return Timestamp(milliseconds: start.milliseconds + amount)
    }
}

extension SwarmState {
    /// The SLA events due at `now` for a ticket: first response (warning, breach), then resolution.
    func slaEvents(of ticket: Ticket, at now: Timestamp, settings: SwarmSettings) -> [SwarmEvent] {
        var events: [SwarmEvent] = []
        for (target, percent, due) in Self.slaMoments(of: ticket, settings: settings) where due <= now {
            let payload: EventPayload =
                percent == 100
                ? .slaBreached(target: target, due: due)
                : .slaWarning(target: target, due: Self.slaDue(of: ticket, target, settings: settings) ?? due)
            events.append(SwarmEvent(ticket: ticket.id, actor: Self.systemActor, at: now, payload: payload))
        }
        return events
    }

    /// The moments not yet fired: (target, percent, when).
    static func slaMoments(of ticket: Ticket, settings: SwarmSettings) -> [(SLATarget, Int64, Timestamp)] {
        guard !ticket.status.isDone, let policy = settings.policy(of: ticket.queue).sla,
            let targets = policy.targets[ticket.priority]
        else { return [] }
        var moments: [(SLATarget, Int64, Timestamp)] = []
        for (target, amount) in [(SLATarget.firstResponse, targets.firstResponse), (.resolution, targets.resolution)] {
            if target == .firstResponse && ticket.firstResponseAt != nil { continue }
            for percent in [SLAPolicy.warningPercent, 100] where !ticket.slaFired.contains(target.fired(percent)) {
                let stop = target == .firstResponse ? ticket.firstResponseAt : nil
                if let due = policy.moment(reaching: amount * percent / 100, spans: ticket.slaSpans, stop: stop) {
                    moments.append((target, percent, due))
                }
            }
        }
        return moments
    }

    /// When a target falls due (100 %), if its clock is running.
    static func slaDue(of ticket: Ticket, _ target: SLATarget, settings: SwarmSettings) -> Timestamp? {
        guard let policy = settings.policy(of: ticket.queue).sla, let targets = policy.targets[ticket.priority] else {
            return nil
        }
        let amount = target == .firstResponse ? targets.firstResponse : targets.resolution
        return policy.moment(
            reaching: amount, spans: ticket.slaSpans, stop: target == .firstResponse ? ticket.firstResponseAt : nil)
    }
}

extension SLATarget {
    /// The mark in `Ticket.slaFired` for this target at `percent`.
    func fired(_ percent: Int64) -> String { "\(rawValue):\(percent == 100 ? "breached" : "warning")" }
}

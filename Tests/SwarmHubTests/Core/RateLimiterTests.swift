import Testing

@testable import SwarmHub

@Suite("The rate limiter and the flood rule")
struct RateLimiterTests {
    let start = ContinuousClock.now

    @Test("a burst is admitted, then frames are refused until tokens come back at the rate")
    func bucket() {
        var limiter = RateLimiter(rate: 10, burst: 3, floodAfter: 100, now: start)
        #expect((0..<3).map { _ in limiter.admit(now: start) } == [.admitted, .admitted, .admitted])
        #expect(limiter.admit(now: start) == .refused)
        // One token every 100 ms.
        #expect(limiter.admit(now: start + .milliseconds(50)) == .refused)
        #expect(limiter.admit(now: start + .milliseconds(160)) == .admitted)
        #expect(limiter.admit(now: start + .milliseconds(170)) == .refused)
        // Never more than the burst, however long the pause.
        let later = start + .seconds(60)
        #expect((0..<4).map { _ in limiter.admit(now: later) } == [.admitted, .admitted, .admitted, .refused])
    }

    @Test("more than floodAfter refusals without a second's pause is a flood, admitted frames between them or not")
    func floodDespiteRefills() {
        // A hub slowed down by load reads one frame of a burst every 15 ms: a token comes back
        // every 10 ms, so every frame or so is admitted, yet the client never stops sending.
        var limiter = RateLimiter(rate: 100, burst: 2, floodAfter: 20, now: start)
        var verdicts: [RateLimiter.Verdict] = []
        var now = start
        for _ in 0..<200 {
            verdicts.append(limiter.admit(now: now))
            now += .microseconds(5_500)
        }
        #expect(verdicts.contains(.admitted))
        let refusals = verdicts.prefix { $0 != .flood }.filter { $0 == .refused }.count
        #expect(refusals == 20)
        #expect(verdicts.contains(.flood))
    }

    @Test("a second without a refusal ends the streak")
    func quietEndsTheStreak() {
        var limiter = RateLimiter(rate: 1, burst: 1, floodAfter: 3, now: start)
        #expect(limiter.admit(now: start) == .admitted)
        var now = start
        for _ in 0..<3 {
            now += .milliseconds(100)
            #expect(limiter.admit(now: now) == .refused)
        }
        // A pause of more than a second: the next refusal starts a new streak.
        now += .milliseconds(1_100)
        #expect(limiter.admit(now: now) == .admitted)
        for _ in 0..<3 {
            now += .milliseconds(100)
            #expect(limiter.admit(now: now) == .refused)
        }
        now += .milliseconds(100)
        #expect(limiter.admit(now: now) == .flood)
    }
}

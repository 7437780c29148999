/// One connection's command rate: a token bucket, and the flood rule on top of it.
///
/// A frame over the rate is refused. A connection whose refusals keep coming — more than
/// `floodAfter` of them with no `quiet` pause (one second) between two refusals — is flooding and
/// is closed. Admitted frames between refusals do not end the streak: a client that sends steadily
/// above the rate has a frame admitted each time a token comes back, and is a flood all the same.
/// Counting only refusals "in a row" would also depend on how fast the hub reads: a hub slowed down
/// by load refills the bucket between two frames of one burst, and the burst would never be closed.
struct RateLimiter {
    /// What happens to one frame.
    enum Verdict: Equatable {
        case admitted
        /// Refused and answered `rate_limited`.
        case refused
        /// Refused, and the connection is flooding: close it (4029).
        case flood
    }

    let rate: Double
    let burst: Double
    let floodAfter: Int
    let quiet: Duration
    private var tokens: Double
    private var last: ContinuousClock.Instant
    /// Refusals since the streak began, and when the last one was.
    private var refusals = 0
    private var lastRefusal: ContinuousClock.Instant?

    init(
        rate: Double, burst: Double, floodAfter: Int, quiet: Duration = .seconds(1),
        now: ContinuousClock.Instant = .now
    ) {
        self.rate = rate
        self.burst = burst
        self.floodAfter = floodAfter
        self.quiet = quiet
        self.tokens = burst
        self.last = now
    }

    /// Takes one token, or counts a refusal.
    mutating func admit(now: ContinuousClock.Instant = .now) -> Verdict {
        let elapsed = last.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        last = now
        if tokens >= 1 {
            tokens -= 1
            return .admitted
        }
        if let lastRefusal, lastRefusal.duration(to: now) > quiet { refusals = 0 }
        lastRefusal = now
        refusals += 1
        return refusals > floodAfter ? .flood : .refused
    }
}

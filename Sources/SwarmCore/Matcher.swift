public import SwarmProtocol

/// Ranks agents for a ticket's required skills, with the reasons behind every score.
///
/// Points (docs/skills.md, "Ranking"): for each required tag the best of
/// - the tag itself at level L: 20 × L;
/// - an ancestor at level L (`network` for `network.dns`): 10 × L, halved per further level;
/// - a tag under it at level L (`network.dns` for `network`): 10 × L;
/// then busy −15, away −30; −10 per active swarm (at most −50); +5 per earlier resolved ticket
/// needing one of the tags (at most +20). Offline agents and agents with no matching skill are
/// not candidates. Ties go to the agent id in alphabetical order, so ranking is deterministic.
///
/// Only agents in the index under the required tags, their ancestors and descendants are scored;
/// no ticket scans every agent.
extension SwarmState {
    /// Candidates for `required` tags, best first, leaving out `excluding` and offline agents.
    public func rank(required: [String], excluding: Set<String> = [], limit: Int? = nil) -> [Candidate] {
        var pool = Set<String>()
        for tag in required {
            if let exact = holders[tag] { pool.formUnion(exact) }
            for ancestor in Self.ancestors(of: tag) {
                if let some = holders[ancestor] { pool.formUnion(some) }
            }
            if let below = holdersBelow[tag] { pool.formUnion(below.keys) }
        }
        var ranked: [Candidate] = []
        ranked.reserveCapacity(pool.count)
        for agent in pool where !excluding.contains(agent) {
            guard let profile = agents[agent], profile.presence != .offline,
                let candidate = score(profile, required: required), candidate.score > 0
            else { continue }
            ranked.append(candidate)
        }
        ranked.sort { ($0.score, $1.agent) > ($1.score, $0.agent) }
        if let limit, ranked.count > limit { ranked.removeSubrange(limit...) }
        return ranked
    }

    /// One agent's score for `required` tags; `nil` when no skill of theirs matches any tag.
    public func score(_ profile: AgentProfile, required: [String]) -> Candidate? {
        var reasons: [ScoreReason] = []
        for tag in required {
            if let best = Self.skillMatch(profile.skills, for: tag) { reasons.append(best) }
        }
        guard !reasons.isEmpty else { return nil }
        switch profile.presence {
        case .busy: reasons.append(ScoreReason(factor: "presence", points: -15, text: "busy: -15"))
        case .away: reasons.append(ScoreReason(factor: "presence", points: -30, text: "away: -30"))
        case .offline: reasons.append(ScoreReason(factor: "presence", points: -100, text: "offline: -100"))
        case .available: break
        }
        if profile.load > 0 {
            let points = -min(profile.load * 10, 50)
            let swarms = profile.load == 1 ? "1 active swarm" : "\(profile.load) active swarms"
            reasons.append(ScoreReason(factor: "load", points: points, text: "in \(swarms): \(points)"))
        }
        let resolved = required.reduce(0) { $0 + (profile.resolved[$1] ?? 0) }
        if resolved > 0 {
            let points = min(resolved * 5, 20)
            let tickets = resolved == 1 ? "1 ticket" : "\(resolved) tickets"
            reasons.append(
                ScoreReason(
                    factor: "history", points: points, text: "resolved \(tickets) needing these skills: +\(points)"))
        }
        return Candidate(agent: profile.id, score: reasons.reduce(0) { $0 + $1.points }, reasons: reasons)
    }

    /// The best of an agent's skills for one required tag, as a reason.
    static func skillMatch(_ skills: [String: Int], for tag: String) -> ScoreReason? {
        var best: ScoreReason?
        func consider(_ points: Int, _ text: String) {
            if points > (best?.points ?? 0) {
                best = ScoreReason(factor: "skill", tag: tag, points: points, text: text)
            }
        }
        if let level = skills[tag] {
            consider(level * 20, "\(tag) level \(level), exact match: +\(level * 20)")
        }
        for (distance, ancestor) in ancestors(of: tag).enumerated() {
            guard let level = skills[ancestor] else { continue }
            let points = (level * 10) >> distance
            consider(points, "\(ancestor) level \(level) partly covers \(tag): +\(points)")
        }
        let prefix = tag + "."
        for (skill, level) in skills.sorted(by: { $0.key < $1.key }) where skill.hasPrefix(prefix) {
            consider(level * 10, "\(skill) level \(level) is part of \(tag): +\(level * 10)")
        }
        return best
    }
}

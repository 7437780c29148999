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
    ///
    /// Scores every agent in the pool with integers only, keeps the best `limit`, and writes the
    /// reasons (strings) for those alone.
    public func rank(required: [String], excluding: Set<String> = [], limit: Int? = nil) -> [Candidate] {
        var pool = Set<String>()
        for tag in required {
            if let exact = holders[tag] { pool.formUnion(exact) }
            for ancestor in Self.ancestors(of: tag) {
                if let some = holders[ancestor] { pool.formUnion(some) }
            }
            if let below = holdersBelow[tag] { pool.formUnion(below.keys) }
        }
        let limit = limit ?? pool.count
        guard limit > 0 else { return [] }
        let needs = required.map(Requirement.init)
        // The best `limit` so far, best first; ties go to the alphabetically first agent.
        var best: [(score: Int, agent: String)] = []
        best.reserveCapacity(limit + 1)
        func better(_ a: (score: Int, agent: String), than b: (score: Int, agent: String)) -> Bool {
            a.score != b.score ? a.score > b.score : a.agent < b.agent
        }
        for agent in pool where !excluding.contains(agent) {
            guard let profile = agents[agent], profile.presence != .offline,
                let score = Self.points(profile, needs: needs), score > 0
            else { continue }
            let entry = (score: score, agent: agent)
            if best.count == limit, let last = best.last, !better(entry, than: last) { continue }
            let index = best.firstIndex { better(entry, than: $0) } ?? best.endIndex
            best.insert(entry, at: index)
            if best.count > limit { best.removeLast() }
        }
        return best.compactMap { entry in agents[entry.agent].flatMap { score($0, required: required) } }
    }

    /// A required tag with what matching needs of it, computed once per ranking.
    struct Requirement {
        var tag: String
        var ancestors: [String]
        init(_ tag: String) {
            self.tag = tag
            self.ancestors = SwarmState.ancestors(of: tag)
        }
    }

    /// One agent's score for `required` tags, with its reasons; `nil` when no skill of theirs
    /// matches any tag.
    public func score(_ profile: AgentProfile, required: [String]) -> Candidate? {
        var reasons: [ScoreReason] = []
        for tag in required {
            guard let match = Self.skillMatch(profile.skills, for: Requirement(tag)) else { continue }
            let text =
                switch match.kind {
                case .exact: "\(tag) level \(match.level), exact match: +\(match.points)"
                case .ancestor: "\(match.skill) level \(match.level) partly covers \(tag): +\(match.points)"
                case .descendant: "\(match.skill) level \(match.level) is part of \(tag): +\(match.points)"
                }
            reasons.append(ScoreReason(factor: "skill", tag: tag, points: match.points, text: text))
        }
        guard !reasons.isEmpty else { return nil }
        let adjust = Self.adjustments(profile, required: required)
        if adjust.presence != 0 {
            reasons.append(
                ScoreReason(
                    factor: "presence", points: adjust.presence,
                    text: "\(profile.presence.rawValue): \(adjust.presence)"))
        }
        if adjust.load != 0 {
            let swarms = profile.load == 1 ? "1 active swarm" : "\(profile.load) active swarms"
            reasons.append(ScoreReason(factor: "load", points: adjust.load, text: "in \(swarms): \(adjust.load)"))
        }
        if adjust.history != 0 {
            let tickets = adjust.resolved == 1 ? "1 ticket" : "\(adjust.resolved) tickets"
            reasons.append(
                ScoreReason(
                    factor: "history", points: adjust.history,
                    text: "resolved \(tickets) needing these skills: +\(adjust.history)"))
        }
        return Candidate(agent: profile.id, score: reasons.reduce(0) { $0 + $1.points }, reasons: reasons)
    }

    /// The same total as ``score(_:required:)``, without building reasons.
    static func points(_ profile: AgentProfile, needs: [Requirement]) -> Int? {
        var total = 0
        var matched = false
        for need in needs {
            guard let match = skillMatch(profile.skills, for: need) else { continue }
            total += match.points
            matched = true
        }
        guard matched else { return nil }
        let adjust = adjustments(profile, required: needs.lazy.map(\.tag))
        return total + adjust.presence + adjust.load + adjust.history
    }

    private static func adjustments(_ profile: AgentProfile, required: some Sequence<String>) -> (
        presence: Int, load: Int, history: Int, resolved: Int
    ) {
        let presence =
            switch profile.presence {
            case .available: 0
            case .busy: -15
            case .away: -30
            case .offline: -100
            }
        let load = profile.load > 0 ? -min(profile.load * 10, 50) : 0
        var resolved = 0
        if !profile.resolved.isEmpty {
            for tag in required { resolved += profile.resolved[tag] ?? 0 }
        }
        return (presence, load, min(resolved * 5, 20), resolved)
    }

    /// How one of an agent's skills covers a required tag.
    struct SkillMatch {
        enum Kind { case exact, ancestor, descendant }
        var kind: Kind
        var skill: String
        var level: Int
        var points: Int
    }

    /// The best of an agent's skills for one required tag; ties go to the alphabetically first skill.
    static func skillMatch(_ skills: [String: Int], for need: Requirement) -> SkillMatch? {
        let tag = need.tag
        var best: SkillMatch?
        func consider(_ candidate: SkillMatch) {
            guard let current = best else {
                best = candidate
                return
            }
            if candidate.points > current.points
                || (candidate.points == current.points && candidate.skill < current.skill)
            {
                best = candidate
            }
        }
        if let level = skills[tag] {
            consider(SkillMatch(kind: .exact, skill: tag, level: level, points: level * 20))
        }
        for (distance, ancestor) in need.ancestors.enumerated() {
            guard let level = skills[ancestor] else { continue }
            consider(SkillMatch(kind: .ancestor, skill: ancestor, level: level, points: (level * 10) >> distance))
        }
        // Tags are ASCII (Limits.isValidSkill), so bytes compare exactly and cheaply.
        let tagLength = tag.utf8.count
        for (skill, level) in skills where skill.utf8.count > tagLength + 1 {
            guard skill.utf8.starts(with: tag.utf8), skill.utf8.dropFirst(tagLength).first == UInt8(ascii: ".") else {
                continue
            }
            consider(SkillMatch(kind: .descendant, skill: skill, level: level, points: level * 10))
        }
        guard let best, best.points > 0 else { return nil }
        return best
    }
}

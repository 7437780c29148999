import Foundation

/// Tab completion for the console: command names first, then their subcommands, then ticket ids.
public struct Completer: Sendable {
    /// Top-level command names.
    public var commands: [String]
    /// Subcommands of commands that have them (`skills` → `list`, `set`).
    public var subcommands: [String: [String]]
    /// Ticket ids the console knows of, from the ticket list and the events it has seen.
    public var tickets: Set<String>

    /// A completer over these names.
    public init(commands: [String], subcommands: [String: [String]] = [:], tickets: Set<String> = []) {
        self.commands = commands
        self.subcommands = subcommands
        self.tickets = tickets
    }

    /// The result of pressing Tab.
    public struct Completion: Sendable, Hashable {
        /// The line after completion (unchanged when nothing could be added).
        public var line: String
        /// The candidates, when more than one remained: the console lists them.
        public var candidates: [String]
    }

    /// Completes the last word of `line`.
    public func complete(_ line: String) -> Completion {
        let endsInSpace = line.last?.isWhitespace ?? true
        var words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        let word = endsInSpace ? "" : (words.popLast() ?? "")
        let pool: [String]
        if words.isEmpty {
            pool = commands
        } else if words.count == 1, let subs = subcommands[words[0]] {
            pool = subs
        } else {
            pool = tickets.sorted { Self.number($0) < Self.number($1) }
        }
        let typed = Self.normalizedTicketPrefix(word, pool: pool)
        let candidates = pool.filter { $0.hasPrefix(typed) }
        let head = line.dropLast(word.count)
        switch candidates.count {
        case 0: return Completion(line: line, candidates: [])
        case 1: return Completion(line: head + candidates[0] + " ", candidates: [])
        default:
            let common = candidates.dropFirst().reduce(candidates[0]) { $0.commonPrefix(with: $1) }
            if common.count > typed.count || typed != word { return Completion(line: head + common, candidates: []) }
            return Completion(line: line, candidates: candidates)
        }
    }

    /// `t-4` and `4` complete like `T-4` when completing ticket ids.
    static func normalizedTicketPrefix(_ word: String, pool: [String]) -> String {
        guard pool.first?.hasPrefix("T-") == true else { return word }
        if word.hasPrefix("t-") { return "T-" + word.dropFirst(2) }
        if !word.isEmpty, word.allSatisfy(\.isNumber) { return "T-" + word }
        return word
    }

    static func number(_ id: String) -> Int { Int(id.dropFirst(2)) ?? Int.max }
}

import SwarmProtocol

/// Acks of recent commands by (agent, command id), oldest first, so retries get the first ack.
///
/// Kept as values: an ack is encoded once, when its command commits, and a retry (rare) encodes it again.
struct AckCache: Sendable {
    private var acks: [String: Ack] = [:]
    private var order: [(key: String, at: Timestamp)] = []
    private var head = 0

    private static func key(_ agent: String, _ id: String) -> String { agent + "\u{0}" + id }

    mutating func insert(agent: String, id: String, ack: Ack, at: Timestamp) {
        let key = Self.key(agent, id)
        if acks.updateValue(ack, forKey: key) == nil { order.append((key, at)) }
    }

    func ack(agent: String, id: String) -> Ack? { acks[Self.key(agent, id)] }

    /// Forgets acks older than `cutoff`.
    mutating func expire(before cutoff: Timestamp) {
        while head < order.count, order[head].at < cutoff {
            acks[order[head].key] = nil
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    var count: Int { acks.count }
}

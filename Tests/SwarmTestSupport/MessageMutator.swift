/// Mutations of a mail message for fuzzing (issue 26): byte flips, truncation, boundaries duplicated or
/// dropped, huge lines, pasted chunks, disturbed line ends. Seeded, so a failure repeats with its seed.
/// The reader's fuzz test (SwarmMailTests) and the hub's (`POST /v1/mail`, SwarmHubTests) share it.
public enum MessageMutator {
    /// SplitMix64: a small seeded generator, so that a failure can be repeated with its seed.
    public struct SeededRandom: RandomNumberGenerator, Sendable {
        public init(state: UInt64) { self.state = state }
        var state: UInt64
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One mutation of a message.
    public static func mutate(_ bytes: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return bytes }
        switch random.next() % 7 {
        case 0:  // byte flips
            for _ in 0..<(1 + random.next() % 16) {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
        case 1:  // truncation
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
        case 2, 3:  // a boundary line (or any line starting with "--") duplicated or removed
            var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            let dashed = lines.indices.filter { lines[$0].starts(with: [0x2D, 0x2D]) }
            let index =
                dashed.isEmpty
                ? Int(random.next() % UInt64(lines.count)) : dashed[Int(random.next() % UInt64(dashed.count))]
            if random.next() % 2 == 0 { lines.insert(lines[index], at: index) } else { lines.remove(at: index) }
            bytes = Array(lines.joined(separator: [0x0A]))
        case 4:  // a huge line (the RFC's limit is 998 bytes)
            let at = Int(random.next() % UInt64(bytes.count))
            // `=`, `A`, `<`, space, `:`, `?`, `-`: what encoded words, base64, HTML and headers are made of.
            let filler: [UInt8] = [0x3D, 0x41, 0x3C, 0x20, 0x3A, 0x3F, 0x2D]
            let byte = filler[Int(random.next() % UInt64(filler.count))]
            bytes.insert(contentsOf: [UInt8](repeating: byte, count: 1000 + Int(random.next() % 64_000)), at: at)
        case 5:  // a chunk of the message pasted somewhere else
            let from = Int(random.next() % UInt64(bytes.count))
            let length = Int(random.next() % UInt64(min(4096, bytes.count - from) + 1))
            bytes.insert(contentsOf: bytes[from..<(from + length)], at: Int(random.next() % UInt64(bytes.count)))
        default:  // the header/body separator and line ends disturbed
            for _ in 0..<(1 + random.next() % 8) {
                let at = Int(random.next() % UInt64(bytes.count))
                bytes.insert(
                    contentsOf: [[0x0D], [0x0A], [0x0D, 0x0A], [0x0A, 0x0A], [0x00]][Int(random.next() % 5)], at: at)
            }
        }
        return bytes
    }
}

import Foundation
import SwarmMail
import Testing

/// Mutated corpus messages: parsing returns or throws `MailError`, never crashes or hangs (issue 26:
/// a collector must never die on one odd message).
@Suite("Fuzzing the reader")
struct FuzzTests {
    /// SplitMix64: a small seeded generator, so that a failure can be repeated with its seed.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One mutation of a message.
    static func mutate(_ bytes: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
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

    @Test("3,000 mutated corpus messages: each parses or throws MailError")
    func mutatedCorpus() throws {
        let corpus =
            Corpus.names.filter { $0 != "long-header.eml" }.map(Corpus.bytes) + [Corpus.bytes("long-header.eml")]
        var random = SeededRandom(state: 26)
        let started = ContinuousClock.now
        var parsed = 0
        for run in 0..<3000 {
            // Mostly the small messages; the 200 kB one now and then.
            let source = run % 50 == 49 ? corpus[corpus.count - 1] : corpus[run % (corpus.count - 1)]
            var bytes = Self.mutate(source, &random)
            if random.next() % 3 == 0 { bytes = Self.mutate(bytes, &random) }
            do throws(MailError) {
                let mail = try InboundMail.parse(bytes, hub: Corpus.hub)
                // Whatever was read can be sent back: the composer takes any text the reader gives.
                if run % 10 == 0 { _ = try OutgoingMailTests.confirmation(text: mail.reply).render() }
                parsed += 1
            } catch {
                // A typed throw: only MailError can arrive here.
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed > 1000, "most mutations still give a message")
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("MIME nested past every limit, a part list of thousands: read, bounded")
    func nesting() throws {
        var message = "From: deep@example.com\nSubject: deep\nMIME-Version: 1.0\n"
        let depth = 1500
        for level in 0..<depth {
            message += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\n\n--b\(level)\n"
        }
        message += "Content-Type: text/plain\n\ndeepest\n"
        for level in (0..<depth).reversed() { message += "--b\(level)--\n" }
        let mail = try InboundMail.parse(Array(message.utf8), hub: Corpus.hub)
        #expect(mail.from.address == "deep@example.com")

        var wide = "From: wide@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=w\n\n"
        for index in 0..<5000 { wide += "--w\nContent-Type: text/plain\n\npart \(index)\n" }
        wide += "--w--\n"
        let many = try InboundMail.parse(Array(wide.utf8), hub: Corpus.hub)
        #expect(many.text.hasPrefix("part 0\n\npart 1"))
    }

    @Test("A 20 MB message: an attachment listed with its size, the text read, in bounded time")
    func twentyMegabytes() throws {
        var random = SeededRandom(state: 20)
        let payload = (0..<(15 * 1024 * 1024)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let encoded = Data(payload).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let message = """
            From: Big Sender <big@example.com>
            To: help@it.example
            Subject: [T-3] Logs attached
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="big"

            --big
            Content-Type: text/plain; charset=utf-8

            Here are the logs.
            --big
            Content-Type: application/gzip
            Content-Disposition: attachment; filename="logs.tar.gz"
            Content-Transfer-Encoding: base64

            \(encoded)
            --big--

            """
        let bytes = Array(message.utf8)
        #expect(bytes.count > 20_000_000)
        let started = ContinuousClock.now
        let mail = try InboundMail.parse(bytes, hub: Corpus.hub)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(mail.text == "Here are the logs.")
        #expect(
            mail.attachments == [
                MailAttachment(filename: "logs.tar.gz", mediaType: "application/gzip", size: payload.count)
            ])
        #expect(mail.ticketTag == "T-3")
    }
}

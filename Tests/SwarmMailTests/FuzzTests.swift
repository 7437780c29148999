import Foundation
import SwarmMail
import SwarmTestSupport
import Testing

/// Mutated corpus messages: parsing returns or throws `MailError`, never crashes or hangs (issue 26:
/// a collector must never die on one odd message).
@Suite("Fuzzing the reader")
struct FuzzTests {
    @Test("3,000 mutated corpus messages: each parses or throws MailError")
    func mutatedCorpus() async throws {
        let corpus =
            Corpus.names.filter { $0 != "long-header.eml" }.map(Corpus.bytes) + [Corpus.bytes("long-header.eml")]
        var random = MessageMutator.SeededRandom(state: 26)
        var parsed = 0
        var slowest = Duration.zero
        for run in 0..<3000 {
            // Let the other tests' tasks run: a loop that never awaits holds one of the pool's threads.
            if run % 50 == 0 { await Task.yield() }
            // Mostly the small messages; the 200 kB one now and then.
            let source = run % 50 == 49 ? corpus[corpus.count - 1] : corpus[run % (corpus.count - 1)]
            var bytes = MessageMutator.mutate(source, &random)
            if random.next() % 3 == 0 { bytes = MessageMutator.mutate(bytes, &random) }
            let started = ContinuousClock.now
            defer { slowest = max(slowest, ContinuousClock.now - started) }
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
        // No message makes the reader hang: each one is read in far less than this, however busy the
        // machine (the whole loop's time is the load's, not the reader's: a full CI run took 80 s).
        #expect(slowest < .seconds(10), "the slowest message took \(slowest)")
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

    @Test("A 20 MB message: an attachment kept with its bytes, the text read, in bounded time")
    func twentyMegabytes() throws {
        var random = MessageMutator.SeededRandom(state: 20)
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
        // Bounded, not fast: a hang would never return (the speed of reading is the benchmark's).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(mail.text == "Here are the logs.")
        #expect(
            mail.attachments == [MailAttachment(name: "logs.tar.gz", mediaType: "application/gzip", bytes: payload)])
        #expect(mail.ticketTag == "T-3")
    }
}

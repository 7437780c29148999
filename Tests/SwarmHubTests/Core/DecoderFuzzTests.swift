import Foundation
import SwarmCore
import SwarmProtocol
import Testing

@testable import SwarmHub

/// The fuzz target of the test command (issue 17): the frame decoder and the REST body decoders
/// against 100,000 frames and 30,000 bodies grown from valid ones by seeded mutations. Same seed,
/// same cases: a failure names its case number and input, and becomes a regression test.
@Suite("Fuzz: frame and REST body decoders")
struct DecoderFuzzTests {
    typealias Seeded = SplitMix64

    static let frames: [String] = [
        #"{"type":"hello","id":"1","token":"swm_abc","client":"swarm/1"}"#,
        #"{"type":"subscribe","id":"2","channels":["ticket:T-1","queue:general","skill:network.*"],"since":42}"#,
        #"{"type":"unsubscribe","id":"3","channels":["dispatch"]}"#,
        #"{"type":"ticket.open","id":"4","title":"VPN drops","description":"every hour\n\tsince Monday","category":"network","urgency":"high","impact":"medium","skills":["network.vpn"],"queue":"general"}"#,
        #"{"type":"comment.add","id":"5","ticket":"T-1","body":"rebooted the router \u00e9\ud83d\ude00","visibility":"internal"}"#,
        #"{"type":"owner.add","id":"6","ticket":"T-1","agent":"alice"}"#,
        #"{"type":"ticket.status","id":"7","ticket":"T-1","status":"resolved","resolution":"fixed"}"#,
        #"{"type":"skills.set","id":"8","skills":{"network.dns":4,"linux":2}}"#,
        #"{"type":"presence.set","id":"9","status":"busy"}"#,
        #"{"type":"invite.answer","id":"10","ticket":"T-1","accept":true}"#,
        #"{"type":"work.log","id":"11","ticket":"T-1","minutes":45,"note":"call"}"#,
        #"{"type":"ticket.escalate","id":"12","ticket":"T-1","tier":3,"reason":"needs a specialist"}"#,
        #"{"type":"kb.search","id":"13","query":"vpn drops","limit":5}"#,
        #"{"type":"ping"}"#,
    ]

    static let bodies: [String] = [
        #"{"title":"Disk full on fs01","description":"/srv at 98%","category":"hardware","urgency":"high","impact":"medium"}"#,
        #"{"title":"VPN","body":"Reconnect, then renew the lease.","tags":["network.vpn"],"draft":false}"#,
        #"{"ticket":"T-42"}"#,
    ]

    /// Pieces a mutation may insert: structure, escapes, controls, numbers at the edges.
    static let pieces: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\u0000", "\\u001b", "\\ud800", "null", "true", "-",
        "1e999", "99999999999999999999", "-0", "0.5", " ", "\t", "\u{0}", "\u{1B}[2J", "\u{FEFF}",
        "\"id\":\"x\"", "\"type\":\"comment.add\"", ",}", ",]", "\u{E9}", "\u{1F600}",
    ].map { Array($0.utf8) }

    static func mutate(_ seed: [UInt8], _ random: inout Seeded) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
            case 2 where !bytes.isEmpty:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
            case 3: bytes.insert(contentsOf: pieces.randomElement(using: &random)!, at: at)
            case 4: bytes = Array(bytes.prefix(at))
            case 5 where !bytes.isEmpty:
                let end = min(bytes.count, at + Int.random(in: 1...16, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            case 6:
                let depth = Int.random(in: 1...200, using: &random)
                bytes = Array(repeating: UInt8(ascii: "["), count: depth) + bytes
            default:
                bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            }
        }
        return bytes
    }

    static let codes: Set<ErrorCode> = [.badFrame, .unknownType, .invalidField]

    @Test("100,000 mutated frames: every one decodes or is refused with a code and a message, never a crash")
    func frames() async {
        var random = Seeded(state: 17)
        var decoded = 0
        for number in 0..<100_000 {
            // Let the other tests' tasks run: a loop that never awaits holds one of the pool's threads.
            if number % 1_000 == 0 { await Task.yield() }
            let input = Self.mutate(Self.frames.randomElement(using: &random)!.utf8.map { $0 }, &random)
            do {
                _ = try ClientFrame.decode(Data(input))
                decoded += 1
                // Whatever the hub accepts, every JSON parser reads the same way: strict JSON.
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])) != nil,
                    "case \(number): accepted \(String(decoding: input, as: UTF8.self))")
            } catch {
                guard Self.codes.contains(error.code), !error.message.isEmpty else {
                    Issue.record("case \(number): \(error) for \(String(decoding: input, as: UTF8.self))")
                    return
                }
            }
        }
        // The mutations leave enough frames intact that the decoding paths past the syntax run too.
        #expect(decoded > 1000, "only \(decoded) decoded")
    }

    @Test("30,000 mutated REST bodies: decoded or refused with a code, never a crash")
    func restBodies() async {
        var random = Seeded(state: 6455)
        for number in 0..<30_000 {
            if number % 1_000 == 0 { await Task.yield() }
            let input = Self.mutate(Self.bodies.randomElement(using: &random)!.utf8.map { $0 }, &random)
            do {
                switch number % 3 {
                case 0: let _: TicketOpen = try RequestBody.decode(input)
                case 1: let _: KBCreate = try RequestBody.decode(input)
                default: let _: TicketRef = try RequestBody.decode(input)
                }
            } catch {
                guard Self.codes.contains(error.code), !error.message.isEmpty else {
                    Issue.record("case \(number): \(error) for \(String(decoding: input, as: UTF8.self))")
                    return
                }
            }
        }
    }

    @Test("strict JSON refuses what lenient parsers disagree on, and accepts the rest")
    func strictCases() {
        for text in [
            #"{"a":1,"a":2}"#, #"{"a":1,}"#, #"[1,]"#, "\u{FEFF}{}", #"{"a":1}x"#, #"{"a":01}"#, #"{"a":"\x"}"#,
            #"{"a":"\ud800"}"#, "{\"a\":\"\u{1}\"}", #"{"a":"\u0061","\u0061":2}"#, #"{'a':1}"#, #"{"a":NaN}"#,
        ] {
            #expect(throws: StrictJSON.Violation.self, "\(text)") { try StrictJSON.check(Array(text.utf8)) }
        }
        // Found by the fuzz test (case 96881): invalid UTF-8 inside a string of an ignored field was
        // accepted, and a parser that validates would read another frame.
        for bytes: [UInt8] in [
            Array(#"{"type":"ping","x":""#.utf8) + [0xFF] + Array(#""}"#.utf8),
            Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8),  // overlong '/'
            Array(#"{"a":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),  // a surrogate
            Array(#"{"a":""#.utf8) + [0xE2, 0x82] + Array(#""}"#.utf8),  // cut short
        ] {
            #expect(throws: StrictJSON.Violation.self) { try StrictJSON.check(bytes) }
        }
        for text in [
            #"{}"#, #"[]"#, #"{"a":[1,-2.5e3,true,false,null,"\u00e9\ud83d\ude00\n"]}"#, " {\"b\" : { } } ",
            #"{"n":9223372036854775807,"m":-9223372036854775808,"x":1e400}"#,
        ] {
            #expect(throws: Never.self, "\(text)") { try StrictJSON.check(Array(text.utf8)) }
        }
    }
}

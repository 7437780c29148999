import Foundation
import NIOCore
import NIOEmbedded
import SwarmStore
import Testing

@testable import SwarmHub

@Suite("Fan-out groups a batch per subscriber")
struct FanOutGroupingTests {
    func outbox() -> Outbox {
        Outbox(channel: EmbeddedChannel(), limits: .init(frames: 100, bytes: 1 << 20), closeGrace: .seconds(1))
    }

    func record(_ seq: Int64, _ channels: [String]) -> EventRecord {
        EventRecord(seq: seq, channels: channels, json: #"{"n":\#(seq)}"#)
    }

    func labels(_ frames: [WireFrame]) -> [String] {
        frames.map { frame in
            let text = String(buffer: frame.payload)
            let channel = text.split(separator: "\"")[3]
            let seq = text.components(separatedBy: #""seq":"#)[1].prefix(while: \.isNumber)
            return "\(channel)@\(seq)"
        }
    }

    @Test(
        "each subscriber gets its frames of the batch at once, in seq order, each event once, labelled most specific first"
    )
    func grouping() throws {
        let a = outbox()
        let b = outbox()
        let c = outbox()
        let index: FanOut.Index = [
            "ticket:T-1": [1: a, 2: b],
            "queue:hw": [2: b, 3: c],
            "agent:bob": [2: b],
        ]
        let batch = [
            record(1, ["ticket:T-1", "queue:hw"]),
            record(2, ["ticket:T-2", "queue:hw", "agent:bob"]),
            record(3, ["ticket:T-9"]),
            record(4, ["ticket:T-1"]),
        ]
        let (groups, count) = FanOut.group(batch, index: index)
        let byOutbox = Dictionary(uniqueKeysWithValues: groups.map { (ObjectIdentifier($0.0), $0.1) })
        #expect(labels(try #require(byOutbox[ObjectIdentifier(a)])) == ["ticket:T-1@1", "ticket:T-1@4"])
        #expect(labels(try #require(byOutbox[ObjectIdentifier(b)])) == ["ticket:T-1@1", "queue:hw@2", "ticket:T-1@4"])
        #expect(labels(try #require(byOutbox[ObjectIdentifier(c)])) == ["queue:hw@1", "queue:hw@2"])
        #expect(groups.count == 3, "one entry per subscriber: one offer, one wake")
        #expect(count == 7)
    }

    @Test("the frame of an event is built once per label and shared by every subscriber")
    func framesShared() {
        let a = outbox()
        let b = outbox()
        let (groups, _) = FanOut.group([record(7, ["ticket:T-1"])], index: ["ticket:T-1": [1: a, 2: b]])
        let frames = groups.map { $0.1[0] }
        #expect(frames.count == 2)
        frames[0].bytes.withUnsafeReadableBytes { first in
            frames[1].bytes.withUnsafeReadableBytes { second in
                #expect(first.baseAddress == second.baseAddress)
            }
        }
        #expect(
            String(buffer: frames[0].payload) == #"{"channel":"ticket:T-1","event":{"n":7},"seq":7,"type":"event"}"#)
    }
}

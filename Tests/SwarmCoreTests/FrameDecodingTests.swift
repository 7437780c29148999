import Foundation
import SwarmCore
import SwarmProtocol
import Testing

@Suite("Frame decoding")
struct FrameDecodingTests {
    func decode(_ text: String) -> Result<ClientFrame, FrameError> {
        Result { () throws(FrameError) in try ClientFrame.decode(Data(text.utf8)) }
    }

    func error(_ text: String) -> FrameError? {
        if case .failure(let error) = decode(text) { return error }
        return nil
    }

    /// One frame of every type, with every field its payload has.
    static let everyType = [
        #"{"type":"hello","id":"1","token":"swm_x"}"#,
        #"{"type":"subscribe","id":"1","channels":["ticket:T-1"],"since":3}"#,
        #"{"type":"unsubscribe","id":"1","channels":["ticket:T-1"]}"#,
        #"{"type":"ticket.open","id":"1","title":"t","description":"d","category":"access","urgency":"low","impact":"high"}"#,
        #"{"type":"swarm.join","id":"1","ticket":"T-1"}"#,
        #"{"type":"swarm.leave","id":"1","ticket":"T-1"}"#,
        #"{"type":"comment.add","id":"1","ticket":"T-1","body":"b"}"#,
        #"{"type":"owner.add","id":"1","ticket":"T-1","agent":"bob"}"#,
        #"{"type":"owner.remove","id":"1","ticket":"T-1","agent":"bob"}"#,
        #"{"type":"ticket.status","id":"1","ticket":"T-1","status":"in_progress"}"#,
        #"{"type":"skills.set","id":"1","skills":{"network.dns":5}}"#,
        #"{"type":"presence.set","id":"1","status":"busy"}"#,
        #"{"type":"notify.set","id":"1","kinds":["invite","sla"],"mail":"bob@it.example","language":"de"}"#,
        #"{"type":"ticket.invite","id":"1","ticket":"T-1","agent":"bob"}"#,
        #"{"type":"invite.answer","id":"1","ticket":"T-1","accept":true}"#,
        #"{"type":"help.request","id":"1","ticket":"T-1","skills":["windows.ad"],"note":"GPO?"}"#,
        #"{"type":"ticket.escalate","id":"1","ticket":"T-1","tier":4,"reason":"r","vendor":"Acme","vendorRef":"A-1"}"#,
        #"{"type":"tiers.set","id":"1","agent":"tom","tiers":[1,2]}"#,
        #"{"type":"kb.create","id":"1","title":"t","body":"b","tags":["vpn"],"draft":true}"#,
        #"{"type":"kb.capture","id":"1","ticket":"T-1"}"#,
        #"{"type":"kb.publish","id":"1","article":"KB-1"}"#,
        #"{"type":"kb.apply","id":"1","ticket":"T-1","article":"KB-1"}"#,
        #"{"type":"kb.search","id":"1","query":"vpn","limit":3}"#,
        #"{"type":"work.log","id":"1","ticket":"T-1","minutes":30,"note":"n"}"#,
        #"{"type":"alert.resolve","id":"1","dedupKey":"nagios:db1/disk","output":"OK"}"#,
        #"{"type":"ticket.viewing","id":"1","ticket":"T-1"}"#,
        #"{"type":"ticket.typing","id":"1","ticket":"T-1"}"#,
        #"{"type":"ping"}"#,
    ]

    @Test func decodesEveryCommand() throws {
        let types = try Self.everyType.map { try decode($0).get().message.type }
        #expect(types == FrameType.allCases)
    }

    @Test("the codec writes every frame type so that it reads back the same, fields and all")
    func codecRoundTrip() throws {
        for text in Self.everyType {
            let frame = try decode(text).get()
            let written = try SwarmJSON.string(frame)
            #expect(try decode(written).get() == frame, "\(written)")
            // The same object as the sample: no field lost or added on the way out.
            let sample = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
            let again = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? NSDictionary
            #expect(sample == again, "\(text) was written as \(written)")
        }
    }

    @Test("command labels are the frame types, and the system's own are named apart")
    func labels() {
        let commands: [Command] = [
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "b"))), .client(.kbCapture(TicketRef(ticket: "T-2"))),
            .tick, .connected(agent: "alice"),
        ]
        #expect(commands.map(\.label) == ["comment.add", "kb.capture", "system.tick", "system.connected"])
        #expect(commands.map(\.ticket) == ["T-1", "T-2", nil, nil])
        #expect(commands.map(\.isSystem) == [false, false, true, true])
    }

    @Test func unknownFieldsAreIgnored() throws {
        let frame = try decode(#"{"type":"swarm.join","id":"7","ticket":"T-1","extra":{"x":1}}"#).get()
        #expect(frame == ClientFrame(id: "7", message: .command(.swarmJoin(TicketRef(ticket: "T-1")))))
    }

    @Test(
        "malformed frames get bad_frame",
        arguments: ["", "not json", "[1,2]", "42", #""text""#, "{", #"{"id":"1"}"#, #"{"type":7,"id":"1"}"#, "null"])
    func badFrames(text: String) {
        #expect(error(text)?.code == .badFrame)
    }

    @Test func unknownTypeKeepsTheID() {
        let failure = error(#"{"type":"ticket.explode","id":"9"}"#)
        #expect(failure?.code == .unknownType)
        #expect(failure?.id == "9")
    }

    @Test(
        "missing or mistyped fields get invalid_field naming the field",
        arguments: [
            (#"{"type":"comment.add","id":"1","ticket":"T-1"}"#, "body"),
            (#"{"type":"comment.add","id":"1","ticket":5,"body":"x"}"#, "ticket"),
            (
                #"{"type":"ticket.open","id":"1","title":"t","description":"d","category":"coffee","urgency":"low","impact":"low"}"#,
                "category"
            ),
            (
                #"{"type":"ticket.open","id":"1","title":"t","description":"d","category":"other","urgency":"urgent","impact":"low"}"#,
                "urgency"
            ),
            (#"{"type":"subscribe","id":"1","channels":"ticket:T-1"}"#, "channels"),
            (#"{"type":"subscribe","id":"1","channels":["ticket:T-1"],"since":"yesterday"}"#, "since"),
            (#"{"type":"ticket.status","id":"1","ticket":"T-1","status":"done"}"#, "status"),
            (#"{"type":"swarm.join","ticket":"T-1"}"#, "id"),
        ])
    func invalidFields(text: String, field: String) {
        let failure = error(text)
        #expect(failure?.code == .invalidField)
        #expect(failure?.message.contains("'\(field)'") == true, "\(failure?.message ?? "nil")")
    }

    @Test func enumErrorsListTheAcceptedValues() {
        let failure = error(
            #"{"type":"ticket.open","id":"1","title":"t","description":"d","category":"coffee","urgency":"low","impact":"low"}"#
        )
        #expect(failure?.message.contains("hardware, software, service, network, access, other") == true)
    }

    @Test func idsAreBounded() {
        #expect(error(#"{"type":"ping","id":""}"#)?.code == .invalidField)
        #expect(error(#"{"type":"ping","id":"\#(String(repeating: "x", count: 129))"}"#)?.code == .invalidField)
    }

    @Test func timestampsRoundTrip() throws {
        let stamp = Timestamp(milliseconds: 1_795_000_123_456)
        #expect(Timestamp(iso8601: stamp.description) == stamp)
        #expect(Timestamp(iso8601: "2026-11-23T13:09:25Z")?.milliseconds == 1_795_439_365_000)
        #expect(Timestamp(iso8601: "yesterday") == nil)
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test("every millisecond of a day formats and parses back exactly", arguments: [0, 1, 86_399_999, 999, 456])
    func exact(ms: Int64) {
        for base in [Int64(0), 951_782_400_000, 1_795_000_123_000, -86_400_000] {
            let stamp = Timestamp(milliseconds: base + ms)
            #expect(Timestamp(iso8601: stamp.description) == stamp, "\(stamp)")
        }
    }

    @Test func knownDates() {
        #expect(Timestamp(milliseconds: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 951_782_400_000).description == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(iso8601: "2000-02-29T00:00:00Z")?.milliseconds == 951_782_400_000)
        #expect(Timestamp(iso8601: "2000-02-29T00:00:00.5Z")?.milliseconds == 951_782_400_500)
    }

    @Test(arguments: [
        "", "yesterday", "2026-13-01T00:00:00Z", "2026-11-23 13:09:25Z", "2026-11-23T13:09:25", "2026-11-23T13:09:25.Z",
    ])
    func rejects(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }
}

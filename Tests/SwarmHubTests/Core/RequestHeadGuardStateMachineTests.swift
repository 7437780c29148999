import Testing

@testable import SwarmHub

@Suite("RequestHeadGuardStateMachine: before the first head, and the masks after an upgrade")
struct RequestHeadGuardStateMachineTests {
    typealias Machine = RequestHeadGuardStateMachine

    static let upgradeHead = Array(
        "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8)
    /// A masked text frame "hi" (mask 1,2,3,4) and the same frame without its mask.
    static let masked: [UInt8] = [0x81, 0x82, 1, 2, 3, 4, UInt8(ascii: "h") ^ 1, UInt8(ascii: "i") ^ 2]
    static let unmasked: [UInt8] = [0x81, 0x02, UInt8(ascii: "h"), UInt8(ascii: "i")]

    @Test("a head arriving in pieces is forwarded; its end cancels the timeout; an upgrade then checks masks")
    func upgradeThenMasks() {
        var machine = Machine(maxHead: 1024)
        #expect(machine.read(Self.upgradeHead[0..<10]) == .forward(headCompleted: false))
        #expect(machine.read(Self.upgradeHead[10...]) == .forward(headCompleted: true))
        #expect(machine.answer(switching: true) == .write)
        #expect(machine.read(Self.masked) == .forward(headCompleted: false))
        // A frame split across reads, its payload skipped.
        #expect(machine.read(Self.masked[0..<3]) == .forward(headCompleted: false))
        #expect(machine.read(Self.masked[3...]) == .forward(headCompleted: false))
        #expect(machine.read(Self.unmasked) == .failUnmasked)
        #expect(machine.state == .closed)
        #expect(machine.read(Self.masked) == .drop)
    }

    @Test("an unmasked frame sent with the head fails the connection only once the answer is a 101")
    func unmaskedBeforeTheAnswer() {
        var upgrade = Machine(maxHead: 1024)
        #expect(upgrade.read(Self.upgradeHead + Self.unmasked) == .forward(headCompleted: true))
        #expect(upgrade.answer(switching: true) == .writeThenFailUnmasked)
        var refused = Machine(maxHead: 1024)
        #expect(refused.read(Self.upgradeHead + Self.unmasked) == .forward(headCompleted: true))
        #expect(refused.answer(switching: false) == .write, "a plain HTTP answer: the bytes were no frame")
        #expect(refused.read(Self.unmasked) == .forward(headCompleted: false))
    }

    @Test("refusals before a head: TLS, HTTP/2, unknown methods, a head too long")
    func refusals() {
        for (bytes, status) in [
            ([0x16, 0x03, 0x01] as [UInt8], "400 Bad Request"),
            (Array("PRI * HTTP/2.0\r\n".utf8), "400 Bad Request"),
            (Array("FOO / HTTP/1.1\r\n".utf8), "501 Not Implemented"),
            (Array("GETTINGTOOLONGMETHOD / HTTP/1.1\r\n".utf8), "501 Not Implemented"),
            (
                Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 200),
                "431 Request Header Fields Too Large"
            ),
        ] {
            var machine = Machine(maxHead: 100)
            #expect(machine.read(bytes) == .refuse(status), "\(status)")
            #expect(machine.state == .closed && machine.read(bytes) == .drop)
        }
    }

    @Test("the head timeout and a graceful stop close only a connection still reading its head")
    func timeoutAndQuiesce() {
        var waiting = Machine(maxHead: 1024)
        #expect(waiting.read(Array("GET / HT".utf8)) == .forward(headCompleted: false))
        #expect(waiting.headTimedOut(behindTLS: false) == .refuse("408 Request Timeout"))
        var tls = Machine(maxHead: 1024)
        #expect(tls.headTimedOut(behindTLS: true) == .close)
        var stopping = Machine(maxHead: 1024)
        #expect(stopping.quiesce() == .close)
        var working = Machine(maxHead: 1024)
        _ = working.read(Self.upgradeHead)
        #expect(working.headTimedOut(behindTLS: false) == .none)
        #expect(working.quiesce() == .none)
    }

    @Test("a request the pipeline gave up on before answering is answered 400 once; an answered one is not")
    func pipelineGaveUp() {
        var unanswered = Machine(maxHead: 1024)
        _ = unanswered.read(Self.upgradeHead)
        let first = unanswered.pipelineGaveUp()
        let second = unanswered.pipelineGaveUp()
        #expect(first && !second, "answered 400 once")
        var answered = Machine(maxHead: 1024)
        _ = answered.read(Self.upgradeHead)
        _ = answered.answer(switching: false)
        let gaveUp = answered.pipelineGaveUp()
        #expect(!gaveUp)
    }
}

import NIOCore
import SwarmProtocol
import Testing

@testable import SwarmHub

@Suite("The outbox state machine")
struct OutboxStateMachineTests {
    /// A frame of `text`: on the wire, 2 bytes of header and the text.
    func frame(_ text: String) -> WireFrame { WireFrame(json: Array(text.utf8)) }

    func texts(_ action: OutboxStateMachine.WriteAction) -> [String]? {
        guard case .write(let frames, _) = action else { return nil }
        return frames.map { String(buffer: $0.payload) }
    }

    @Test("many offers while idle ask for one write, and the write takes them all, in order")
    func batchesOffers() {
        var machine = OutboxStateMachine(limits: .init(frames: 100, bytes: 10_000))
        #expect(machine.offer([frame("a")], live: true) == .scheduleWrite)
        #expect(machine.offer([frame("b"), frame("c")], live: true) == .none)
        #expect(machine.mode == .scheduled)
        #expect(texts(machine.nextWrite()) == ["a", "b", "c"])
        #expect(machine.mode == .writing)
        // While the socket takes them, new frames wait; the write's completion hands them over.
        #expect(machine.offer([frame("d")], live: false) == .none)
        #expect(texts(machine.nextWrite()) == ["d"])
        guard case .none = machine.nextWrite() else {
            Issue.record("nothing left: the writer goes idle")
            return
        }
        #expect(machine.mode == .idle)
        #expect(machine.offer([frame("e")], live: true) == .scheduleWrite)
    }

    @Test("falling behind by frames or by bytes closes with 4008 and drops what was not sent")
    func overflow() {
        var byFrames = OutboxStateMachine(limits: .init(frames: 3, bytes: 10_000))
        #expect(byFrames.offer([frame("a"), frame("b"), frame("c")], live: true) == .scheduleWrite)
        #expect(byFrames.offer([frame("d")], live: true) == .overflowed)
        #expect(byFrames.count == 0)
        guard case .close(let closing, _) = byFrames.nextWrite() else {
            Issue.record("an overflowed connection writes its close next")
            return
        }
        #expect(closing.code == CloseCode.slowConsumer)
        #expect(byFrames.offer([frame("e")], live: true) == .dropped)

        var byBytes = OutboxStateMachine(limits: .init(frames: 1000, bytes: 10))
        #expect(byBytes.offer([frame("123")], live: true) == .scheduleWrite)
        #expect(byBytes.offer([frame("1234")], live: true) == .overflowed, "5 + 6 bytes on the wire > 10")
    }

    @Test("frames handed to a socket that does not take them still count until their write completes")
    func inFlightCounts() {
        var machine = OutboxStateMachine(limits: .init(frames: 4, bytes: 100))
        #expect(machine.offer([frame("a"), frame("b"), frame("c")], live: true) == .scheduleWrite)
        #expect(texts(machine.nextWrite()) == ["a", "b", "c"])
        // The write is stuck in the channel: one more frame fits, a second does not.
        #expect(machine.count == 3)
        #expect(machine.offer([frame("d")], live: true) == .none)
        #expect(machine.offer([frame("e")], live: true) == .overflowed, "3 in flight + 2 queued > 4")

        var byBytes = OutboxStateMachine(limits: .init(frames: 100, bytes: 10))
        #expect(byBytes.offer([frame("1234")], live: true) == .scheduleWrite)
        #expect(texts(byBytes.nextWrite()) == ["1234"])
        #expect(byBytes.offer([frame("123")], live: true) == .overflowed, "6 bytes in flight + 5 > 10")

        // Once the write completes, the frames no longer count.
        var drained = OutboxStateMachine(limits: .init(frames: 2, bytes: 100))
        #expect(drained.offer([frame("a"), frame("b")], live: true) == .scheduleWrite)
        #expect(texts(drained.nextWrite()) == ["a", "b"])
        guard case .none = drained.nextWrite() else {
            Issue.record("the completed write leaves nothing to do")
            return
        }
        #expect(drained.count == 0)
        #expect(drained.offer([frame("c"), frame("d")], live: true) == .scheduleWrite)
    }

    @Test("held live events go out after the replayed ones, and count toward the limits")
    func holdDuringReplay() {
        var machine = OutboxStateMachine(limits: .init(frames: 4, bytes: 10_000))
        machine.beginHold()
        #expect(machine.offer([frame("live 1")], live: true) == .none)
        #expect(machine.offer([frame("replay 1")], live: false) == .scheduleWrite)
        #expect(machine.offer([frame("live 2")], live: true) == .none)
        #expect(machine.count == 3)
        #expect(texts(machine.nextWrite()) == ["replay 1"])
        #expect(machine.offer([frame("replay 2")], live: false) == .none)
        #expect(machine.endHold() == .none, "a write is in flight: the released frames join the queue")
        #expect(texts(machine.nextWrite()) == ["replay 2", "live 1", "live 2"])
    }

    @Test("a close waits for what is queued before it, once")
    func closeAfterQueue() {
        var machine = OutboxStateMachine(limits: .init(frames: 10, bytes: 10_000))
        #expect(machine.offer([frame("a")], live: false) == .scheduleWrite)
        #expect(machine.close(code: 4001, reason: "no hello") == .none)
        #expect(machine.isClosing)
        #expect(machine.offer([frame("late")], live: false) == .dropped)
        #expect(texts(machine.nextWrite()) == ["a"])
        guard case .close(let closing, _) = machine.nextWrite() else {
            Issue.record("the close comes after the frames")
            return
        }
        #expect(closing == .init(code: 4001, reason: "no hello"))
        guard case .none = machine.nextWrite() else {
            Issue.record("the close is written once")
            return
        }
    }

    @Test("a replay parks when half the limit is queued or in flight and is resumed when the socket takes it")
    func replayPacing() {
        var machine = OutboxStateMachine(limits: .init(frames: 4, bytes: 10_000))
        #expect(machine.offer([frame("1"), frame("2")], live: false) == .scheduleWrite)
        let roomAtTwo = !machine.parkUnlessRoom()
        #expect(roomAtTwo, "2 of 4 is room")
        #expect(machine.offer([frame("3")], live: false) == .none)
        let parkedAtThree = machine.parkUnlessRoom()
        #expect(parkedAtThree, "3 of 4 is not")
        guard case .write(let frames, let resume) = machine.nextWrite() else {
            Issue.record("expected a write")
            return
        }
        #expect(frames.count == 3)
        // Frames in the socket still count (issue 17): 3 of 4 in flight is no room yet.
        #expect(!resume, "3 of 4 in flight")
        guard case .none(let resumed) = machine.nextWrite() else {
            Issue.record("the write completed: nothing left")
            return
        }
        #expect(resumed, "the socket took them: the replay reads its next page")
        let roomAfterWrite = !machine.parkUnlessRoom()
        #expect(roomAfterWrite)
        _ = machine.offer([frame("4"), frame("5"), frame("6")], live: false)
        let parkedAgain = machine.parkUnlessRoom()
        #expect(parkedAgain)
        let released = machine.finish()
        #expect(released.resumeWaiter, "finishing releases a parked replay")
        #expect(machine.isClosing)
    }

    @Test("the close handshake is part of the machine: the reader waits until the close frame is written")
    func closeHandshake() {
        var machine = OutboxStateMachine(limits: .init(frames: 10, bytes: 1000))
        _ = machine.offer([frame("a")], live: false)
        #expect(machine.close(code: 1000, reason: "bye") == .none, "a write is scheduled already")
        #expect(machine.state == .closing(.init(code: 1000, reason: "bye"), .scheduled))
        #expect(texts(machine.nextWrite()) == ["a"], "what was queued before the close goes first")
        let parked = machine.awaitClose()
        #expect(parked, "the reader waits: the close is not written yet")
        guard case .close(let closing, _) = machine.nextWrite() else {
            Issue.record("expected the close")
            return
        }
        #expect(closing.code == 1000 && machine.state == .writingClose)
        // The reader ends while the close writer runs: the close still completes, and only then is
        // the reader released.
        let finished = machine.finish()
        #expect(!finished.resumeCloseWaiter && machine.state == .writingClose)
        let released = machine.closeWritten()
        #expect(released && machine.state == .closed)
        let waitsAgain = machine.awaitClose()
        #expect(!waitsAgain, "nothing to wait for once closed")
    }

    @Test("a connection that ends before its close goes out releases the waiting reader at once")
    func endedBeforeTheClose() {
        var machine = OutboxStateMachine(limits: .init(frames: 10, bytes: 1000))
        _ = machine.offer([frame("a")], live: false)
        _ = machine.nextWrite()
        _ = machine.close(code: 4008, reason: "slow")
        let parked = machine.awaitClose()
        #expect(parked)
        let finished = machine.finish()
        #expect(finished.resumeCloseWaiter && machine.state == .closed)
        guard case .none = machine.nextWrite() else {
            Issue.record("nothing is written after the connection ended")
            return
        }
    }
}

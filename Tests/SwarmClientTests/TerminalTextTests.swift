import Foundation
import SwarmClient
import SwarmProtocol
import Testing

@Suite("The client never prints another person's control characters")
struct TerminalTextTests {
    @Test("escape sequences, NUL, DEL and C1 controls become U+FFFD; tab and newline stay")
    func clean() {
        #expect(TerminalText.clean("a\u{1B}[2Jb\u{0}c\u{7F}d\u{9B}e") == "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d\u{FFFD}e")
        #expect(TerminalText.clean("line 1\n\tline 2") == "line 1\n\tline 2")
        #expect(TerminalText.clean("caf\u{E9} \u{1F600}") == "caf\u{E9} \u{1F600}")
    }

    @Test("inside JSON, escaped and raw controls are replaced before decoding, and nothing else changes")
    func cleanJSON() throws {
        let frame =
            #"{"type":"event","seq":7,"channel":"ticket:T-1","event":{"type":"comment.added","ticket":"T-1","actor":"eve","at":"2026-12-03T06:00:00.000Z","body":"hi\u001b]0;pwned\u0007 \\u001b \u00e9 "#
            + "\u{9B}31m\"}}"
        let cleaned = TerminalText.cleanJSON(frame)
        let object = try JSONSerialization.jsonObject(with: Data(cleaned.utf8)) as? [String: Any]
        let body = (object?["event"] as? [String: Any])?["body"] as? String
        #expect(body == "hi\u{FFFD}]0;pwned\u{FFFD} \\u001b \u{E9} \u{FFFD}31m")
        #expect(TerminalText.cleanJSON(#"{"a":"plain \n text"}"#) == #"{"a":"plain \n text"}"#)
    }
}

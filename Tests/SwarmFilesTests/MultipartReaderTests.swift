import SwarmFiles
import Testing

/// The streaming `multipart/form-data` reader: what RFC 2046 allows around the parts, read in any chunks.
@Suite("Multipart reader")
struct MultipartReaderTests {
    static func events(_ body: String, chunk: Int) throws -> [MultipartReader.Event] {
        var reader = try MultipartReader(boundary: "b0")
        let bytes = Array(body.utf8)
        var events: [MultipartReader.Event] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            events += try reader.read(bytes[start..<min(bytes.count, start + chunk)])
        }
        #expect(reader.isComplete)
        // Content split across chunks is joined, so the events compare whatever the chunking.
        var joined: [MultipartReader.Event] = []
        for event in events {
            if case .content(let more) = event, case .content(let before)? = joined.last {
                joined[joined.count - 1] = .content(before + more)
            } else {
                joined.append(event)
            }
        }
        return joined
    }

    @Test(
        "a preamble, an empty part, a part without headers, padding after a boundary, an epilogue",
        arguments: [1, 2, 5, 64])
    func around(chunk: Int) throws {
        let body =
            "preamble to skip\r\n--b0  \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--b0\r\n\r\n"
            + "x\r\n--b\r\n--b0--\r\nepilogue to skip"
        let expected: [MultipartReader.Event] = [
            .part(headers: [.init(name: "Content-Disposition", value: #"form-data; name="a""#)]), .partEnd,
            .part(headers: []), .content(Array("x\r\n--b".utf8)), .partEnd, .end,
        ]
        #expect(try Self.events(body, chunk: chunk) == expected)
    }

    @Test("what is refused, with the reason")
    func refused() throws {
        #expect(throws: MultipartReader.Malformed.self) { try MultipartReader(boundary: "") }
        #expect(throws: MultipartReader.Malformed.self) {
            try MultipartReader(boundary: String(repeating: "b", count: 71))
        }
        for (body, message) in [
            ("--b0\r\nA\r\n\r\n", "a part's header line must be 'Name: value'"),
            ("--b0\r\nA: 1\n\r\n\r\n", "a part's header line must end in CRLF"),
            ("--b0\r\nA B: 1\r\n\r\n", "a part's header name must be a token"),
            ("--b0\r\nA: \u{1}\r\n\r\n", "a part's header value must be UTF-8 without control characters"),
            ("--b0xx", "a boundary must be followed by CRLF or '--'"),
        ] {
            var reader = try MultipartReader(boundary: "b0")
            #expect(throws: MultipartReader.Malformed(message: message)) { try reader.read(Array(body.utf8)) }
        }
        var reader = try MultipartReader(boundary: "b0")
        let long = "--b0\r\nA: " + String(repeating: "v", count: MultipartReader.maxHeaderBytes) + "\r\n\r\n"
        #expect(throws: MultipartReader.Malformed(message: "a part's headers have more than 16384 bytes")) {
            try reader.read(Array(long.utf8))
        }
    }
}

import NIOCore
import SwarmCore
import SwarmProtocol
import Testing

@testable import SwarmHub

/// The `multipart/form-data` reader of uploads (``FormDataFile``), fed seeded forms cut into chunks at random
/// places: a well-formed form gives back its file byte for byte whatever the chunks, and any mutation of it is
/// taken or refused with an error — never a crash, never a file that differs from what the form held.
@Suite("Fuzz: the upload form reader")
struct FormDataFuzzTests {
    typealias Seeded = SplitMix64
    static let boundary = "----swarmFuzz9Xq"

    /// A form with fields, the file, and the closing boundary; the file's bytes are seeded and full of
    /// CR, LF and `-`, the bytes a boundary is made of.
    static func form(_ random: inout Seeded) -> (body: [UInt8], file: [UInt8]) {
        let alphabet = Array("\r\n-abc".utf8) + Array(Self.boundary.utf8.prefix(8))
        let file = (0..<Int.random(in: 0...3000, using: &random)).map { _ in
            Bool.random(using: &random)
                ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
        }
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\npublic\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n".utf8)
        body += Array("Content-Type: application/octet-stream\r\n\r\n".utf8) + file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return (body, file)
    }

    /// Feeds `body` in random chunks; the file's bytes and fields, or the error the reader gave.
    static func read(_ body: [UInt8], _ random: inout Seeded) -> Result<[UInt8], HubError> {
        do throws(HubError) {
            guard var reader = try FormDataFile(contentType: "multipart/form-data; boundary=\(boundary)") else {
                return .failure(HubError(.internal, "not read as a form"))
            }
            var file: [UInt8] = []
            var start = 0
            while start < body.count {
                let end = min(body.count, start + Int.random(in: 1...700, using: &random))
                for piece in try reader.read(ByteBuffer(bytes: body[start..<end])) {
                    if case .bytes(let buffer) = piece { file += buffer.readableBytesView }
                }
                start = end
            }
            try reader.finish()
            return .success(file)
        } catch {
            return .failure(error)
        }
    }

    @Test("well-formed forms in random chunks give back their file exactly")
    func chunking() {
        var random = Seeded(state: 28)
        for number in 0..<2000 {
            let (body, file) = Self.form(&random)
            let read = Self.read(body, &random)
            guard case .success(let bytes) = read else {
                Issue.record("case \(number): \(read)")
                return
            }
            #expect(bytes == file, "case \(number)")
        }
    }

    @Test("mutated forms are taken or refused with a reason, never a crash")
    func mutations() {
        var random = Seeded(state: 2028)
        var refused = 0
        for number in 0..<5000 {
            let (original, _) = Self.form(&random)
            var body = original
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = body.isEmpty ? 0 : Int.random(in: 0..<body.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !body.isEmpty: body[at] = UInt8.random(in: 0...255, using: &random)
                case 1: body = Array(body.prefix(at))
                case 2: body.insert(contentsOf: Array("\r\n--\(Self.boundary)".utf8), at: at)
                default: body.insert(UInt8.random(in: 0...255, using: &random), at: at)
                }
            }
            switch Self.read(body, &random) {
            case .success: break
            case .failure(let error):
                refused += 1
                #expect(error.code == .invalidField && !error.message.isEmpty, "case \(number): \(error)")
            }
        }
        #expect(refused > 0, "mutations that break the form are refused")
    }
}

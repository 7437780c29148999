import Foundation
import SwarmMail

/// The hand-written messages under `corpus/`, each in the shape a real client or server sends.
enum Corpus {
    /// The hub the corpus was written for: replies thread on `ticket-N.event-M@it.example`.
    static let hub = HubMailIdentity(domain: "it.example", address: "help@it.example")

    /// Every file of the corpus, by name.
    static let names: [String] = {
        guard let url = Bundle.module.url(forResource: "corpus", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: url.path)
        else { fatalError("corpus/ is missing from the test bundle") }
        return names.filter { $0.hasSuffix(".eml") }.sorted()
    }()

    /// A file's bytes as written (LF line ends).
    static func bytes(_ name: String) -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "corpus"),
            let data = try? Data(contentsOf: url)
        else { fatalError("corpus/\(name) is missing from the test bundle") }
        return [UInt8](data)
    }

    /// The same bytes with CRLF line ends, as SMTP carries them.
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 20)
        for byte in bytes {
            if byte == 0x0A { result.append(0x0D) }
            result.append(byte)
        }
        return result
    }

    /// A corpus message, parsed, with LF line ends or with CRLF.
    static func parse(_ name: String, crlf useCRLF: Bool = false) throws -> InboundMail {
        let raw = bytes(name)
        return try InboundMail.parse(useCRLF ? crlf(raw) : raw, hub: hub)
    }
}

import MultipartKit
import NIOCore
import SwarmFiles
import SwarmProtocol

/// The file of a `multipart/form-data` upload body (RFC 7578), taken out of the body as it streams in: the
/// file's bytes pass through a chunk at a time, never gathered (multipart-kit's ``MultipartParser`` finds
/// the parts).
///
/// The body holds one part named `file`, and may hold before it the fields `name` and `visibility` — the
/// query parameters' equivalents, as a browser's `FormData` sends them. Anything else is refused with the
/// reason rather than skipped: another part, a second file, a field after the file (the body is read once,
/// in order, so it would come too late), a body that ends inside the file (cut off), or more than
/// ``maxOverhead`` bytes before the file begins.
final class FormDataFile {
    /// What a chunk of the body held, in order.
    enum Piece {
        /// The file part begins: the name its part gives (`filename`), and the fields sent before it.
        case begin(filename: String?, fields: [String: String])
        /// Bytes of the file.
        case bytes(ByteBuffer)
    }

    /// The fields a body may hold besides the file.
    static let fieldNames: Set<String> = ["name", "visibility"]
    /// The largest field value taken, in bytes.
    static let maxField = 4096
    /// How many bytes of the body may come before the file's first byte: the fields and every part's headers.
    static let maxOverhead = 65_536

    private enum Part {
        case none
        case field(String, [UInt8])
        case file
    }

    private let parser: MultipartParser
    private var headers: [(name: String, value: String)] = []
    private var part = Part.none
    private var started = false
    private var fields: [String: String] = [:]
    private var pieces: [Piece] = []
    /// The file's bytes in the chunk being read, gathered: the parser hands them over in runs that end at
    /// every CR, which in a binary file is one byte in 256.
    private var fileBytes = ByteBuffer()
    private var failure: HubError?
    private var fileBegun = false
    private var fileEnded = false
    private var overhead = 0

    /// The reader of a body of type `contentType`, or `nil` when the body is not `multipart/form-data` (it
    /// is then the file itself).
    init?(contentType: String?) throws(HubError) {
        guard let contentType, let parameters = HeaderParameters(contentType),
            parameters.value == "multipart/form-data"
        else { return nil }
        guard let boundary = parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw HubError(.invalidField, "a multipart/form-data body needs its boundary in Content-Type")
        }
        parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in header(name, value) }
        parser.onBody = { [unowned self] buffer in body(buffer) }
        parser.onPartComplete = { [unowned self] in partComplete() }
    }

    /// What `buffer`, the next chunk of the body, holds.
    func read(_ buffer: ByteBuffer) throws(HubError) -> [Piece] {
        if !fileBegun { overhead += buffer.readableBytes }
        do {
            try parser.execute(buffer)
        } catch {
            throw HubError(.invalidField, "the multipart/form-data body is malformed")
        }
        if let failure { throw failure }
        if !fileBegun, overhead > Self.maxOverhead {
            throw HubError(
                .invalidField, "the multipart/form-data body has more than \(Self.maxOverhead) bytes before its file")
        }
        if fileBytes.readableBytes > 0 {
            pieces.append(.bytes(fileBytes))
            fileBytes = ByteBuffer()
        }
        defer { pieces.removeAll(keepingCapacity: true) }
        return pieces
    }

    /// Checks, once the body has ended, that it held the whole file.
    func finish() throws(HubError) {
        if let failure { throw failure }
        guard fileBegun else {
            throw HubError(.invalidField, "the multipart/form-data body has no part named 'file'")
        }
        guard fileEnded else {
            throw HubError(.invalidField, "the multipart/form-data body ends inside its file: it was cut off")
        }
    }

    private func header(_ name: String, _ value: String) {
        guard failure == nil else { return }
        if fileEnded {
            failure = HubError(.invalidField, "the multipart/form-data body has a part after its file")
            return
        }
        headers.append((name, value))
    }

    private func body(_ buffer: ByteBuffer) {
        startPart()
        guard failure == nil else { return }
        switch part {
        case .file:
            var buffer = buffer
            fileBytes.writeBuffer(&buffer)
        case .field(let name, var value):
            guard value.count + buffer.readableBytes <= Self.maxField else {
                failure = HubError(
                    .invalidField, "the multipart/form-data field '\(name)' has more than \(Self.maxField) bytes")
                return
            }
            value += buffer.readableBytesView
            part = .field(name, value)
        case .none:
            break
        }
    }

    private func partComplete() {
        startPart()
        guard failure == nil else { return }
        switch part {
        case .file:
            fileEnded = true
        case .field(let name, let value):
            guard let text = String(validating: value, as: UTF8.self) else {
                failure = HubError(.invalidField, "the multipart/form-data field '\(name)' is not UTF-8")
                return
            }
            fields[name] = text
        case .none:
            break
        }
        headers = []
        part = .none
        started = false
    }

    /// Reads the part's headers, once, at its first byte or at its end when it has none.
    private func startPart() {
        guard !started, failure == nil else { return }
        started = true
        let disposition = headers.last { $0.name.lowercased() == "content-disposition" }
            .flatMap { HeaderParameters($0.value) }
        guard let disposition, disposition.value == "form-data", let name = disposition["name"] else {
            failure = HubError(
                .invalidField, "every part of a multipart/form-data body needs 'Content-Disposition: form-data; name=…'"
            )
            return
        }
        if name == "file" {
            guard !fileBegun else {
                failure = HubError(
                    .invalidField, "the multipart/form-data body has more than one file; send one per upload")
                return
            }
            fileBegun = true
            part = .file
            pieces.append(.begin(filename: disposition["filename"], fields: fields))
        } else if Self.fieldNames.contains(name) {
            guard fields[name] == nil else {
                failure = HubError(.invalidField, "the multipart/form-data body has the field '\(name)' twice")
                return
            }
            part = .field(name, [])
        } else {
            failure = HubError(
                .invalidField,
                "the multipart/form-data body has a part '\(name)'; it may hold 'file' and, before it, 'name' and 'visibility'"
            )
        }
    }
}

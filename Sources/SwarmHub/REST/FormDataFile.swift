import NIOCore
import SwarmFiles
import SwarmProtocol

/// The file of a `multipart/form-data` upload body (RFC 7578), taken out of the body as it streams in: the
/// file's bytes pass through a chunk at a time, never gathered (``MultipartReader`` finds the parts).
///
/// The body holds one part named `file`, and may hold, before or after it, the fields `name` and
/// `visibility` — the query parameters' equivalents, as a browser's `FormData` sends them. Anything else is
/// refused with the reason rather than skipped: another part, a second file, a field twice, a body that
/// ends inside the file (cut off), or more than ``maxOverhead`` bytes before the file begins.
struct FormDataFile {
    /// What a chunk of the body held, in order.
    enum Piece {
        /// The file part begins: the name its part gives (`filename`), and the fields sent before it (the
        /// others come with ``finish()``).
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

    private var reader: MultipartReader
    private var part = Part.none
    private var fields: [String: String] = [:]
    private var fileBegun = false
    private var fileEnded = false
    private var overhead = 0

    /// The reader of a body of type `contentType`, or `nil` when the body is not `multipart/form-data` (it
    /// is then the file itself).
    init?(contentType: String?) throws(HubError) {
        guard let contentType, let parameters = HeaderParameters(contentType),
            parameters.value == "multipart/form-data"
        else { return nil }
        guard let boundary = parameters["boundary"] else {
            throw HubError(.invalidField, "a multipart/form-data body needs its boundary in Content-Type")
        }
        do {
            reader = try MultipartReader(boundary: boundary)
        } catch {
            throw HubError(.invalidField, "the multipart/form-data boundary is not one: \(error.message)")
        }
    }

    /// What `buffer`, the next chunk of the body, holds.
    mutating func read(_ buffer: ByteBuffer) throws(HubError) -> [Piece] {
        if !fileBegun { overhead += buffer.readableBytes }
        let events: [MultipartReader.Event]
        do {
            events = try reader.read(buffer.readableBytesView)
        } catch {
            throw HubError(.invalidField, "the multipart/form-data body is malformed: \(error.message)")
        }
        var pieces: [Piece] = []
        var file = ByteBuffer()
        for event in events {
            switch event {
            case .part(let headers):
                if let begun = try begin(headers) { pieces.append(begun) }
            case .content(let bytes):
                try take(bytes, into: &file)
            case .partEnd:
                try end()
            case .end:
                break
            }
        }
        if file.readableBytes > 0 { pieces.append(.bytes(file)) }
        if !fileBegun, overhead > Self.maxOverhead {
            throw HubError(
                .invalidField, "the multipart/form-data body has more than \(Self.maxOverhead) bytes before its file")
        }
        return pieces
    }

    /// Checks, once the body has ended, that it held the whole file; its fields, those after the file too.
    func finish() throws(HubError) -> [String: String] {
        guard fileBegun else {
            throw HubError(.invalidField, "the multipart/form-data body has no part named 'file'")
        }
        guard fileEnded else {
            throw HubError(.invalidField, "the multipart/form-data body ends inside its file: it was cut off")
        }
        return fields
    }

    /// A part begins: which one it is, from its `Content-Disposition`.
    private mutating func begin(_ headers: [MultipartReader.Header]) throws(HubError) -> Piece? {
        let disposition = headers.last { $0.name.lowercased() == "content-disposition" }
            .flatMap { HeaderParameters($0.value) }
        guard let disposition, disposition.value == "form-data", let name = disposition["name"] else {
            throw HubError(
                .invalidField, "every part of a multipart/form-data body needs 'Content-Disposition: form-data; name=…'"
            )
        }
        if name == "file" {
            guard !fileBegun else {
                throw HubError(
                    .invalidField, "the multipart/form-data body has more than one file; send one per upload")
            }
            fileBegun = true
            part = .file
            return .begin(filename: disposition["filename"], fields: fields)
        }
        guard Self.fieldNames.contains(name) else {
            throw HubError(
                .invalidField,
                "the multipart/form-data body has a part '\(name)'; it may hold 'file', 'name' and 'visibility'"
            )
        }
        guard fields[name] == nil else {
            throw HubError(.invalidField, "the multipart/form-data body has the field '\(name)' twice")
        }
        part = .field(name, [])
        return nil
    }

    private mutating func take(_ bytes: [UInt8], into file: inout ByteBuffer) throws(HubError) {
        switch part {
        case .file:
            file.writeBytes(bytes)
        case .field(let name, var value):
            guard value.count + bytes.count <= Self.maxField else {
                throw HubError(
                    .invalidField, "the multipart/form-data field '\(name)' has more than \(Self.maxField) bytes")
            }
            value += bytes
            part = .field(name, value)
        case .none:
            break
        }
    }

    private mutating func end() throws(HubError) {
        switch part {
        case .file:
            fileEnded = true
        case .field(let name, let value):
            guard let text = String(validating: value, as: UTF8.self) else {
                throw HubError(.invalidField, "the multipart/form-data field '\(name)' is not UTF-8")
            }
            fields[name] = text
        case .none:
            break
        }
        part = .none
    }
}

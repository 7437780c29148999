public import Foundation
import NIOCore
import NIOHTTP1
public import SwarmProtocol

/// Files to and from the hub, streamed: an upload is read from its file a piece at a time, a download
/// written to its file a piece at a time, so `swarm attach` and `swarm download` never hold a whole file.
extension RestClient {
    /// `POST /v1/tickets/{id}/attachments`: attaches the file at `path` to `ticket`, as `name` (its own
    /// name when nil), `public` or the hub's default visibility.
    public func attach(_ path: String, to ticket: String, name: String?, visibility: CommentVisibility?)
        async throws(ClientError) -> AttachedFile
    {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw .usage("cannot read \(path)")
        }
        defer { try? file.close() }
        let size: UInt64
        do {
            size = try file.seekToEnd()
            try file.seek(toOffset: 0)
        } catch {
            throw .usage("cannot read \(path): \(error.localizedDescription)")
        }
        var query = [("name", name ?? URL(fileURLWithPath: path).lastPathComponent)]
        if let visibility { query.append(("visibility", visibility.rawValue)) }
        let target =
            "/v1/tickets/\(escape(ticket))/attachments?"
            + query.map { "\($0)=\(escape($1))" }.joined(separator: "&")
        let response = try await FileHTTP.exchange(
            server: credentials.server, method: .POST, path: target, token: credentials.token,
            caCertificate: credentials.caCertificate, upload: (file, size), download: nil)
        do {
            return try JSONDecoder().decode(AttachedFile.self, from: TerminalText.cleanJSON(response.body))
        } catch {
            throw .failure("the hub's answer to the upload could not be read: \(error)")
        }
    }

    /// `GET /v1/attachments/{id}`: writes the bytes to `destination` (a new file, or standard output when
    /// nil) and returns the name the hub offers (`Content-Disposition`) and the byte count.
    public func download(_ id: String, to destination: FileHandle) async throws(ClientError) -> (
        name: String?, bytes: Int64
    ) {
        let response = try await FileHTTP.exchange(
            server: credentials.server, method: .GET, path: "/v1/attachments/\(escape(id))",
            token: credentials.token, caCertificate: credentials.caCertificate, upload: nil, download: destination)
        return (response.disposition.flatMap(FileHTTP.fileName(fromDisposition:)), response.written)
    }
}

/// One HTTP/1.1 exchange with a file on one side.
enum FileHTTP {
    struct Response {
        var status: Int
        /// The body, when it was not written to the download file (an error, or the upload's answer).
        var body: Data
        var disposition: String?
        var written: Int64
    }

    /// The size of the pieces read from and written to files.
    static let piece = 65_536

    static func exchange(
        server: ServerAddress, method: HTTPMethod, path: String, token: String, caCertificate: String?,
        upload: (FileHandle, UInt64)?, download: FileHandle?
    ) async throws(ClientError) -> Response {
        let headers =
            [("Authorization", "Bearer \(token)")]
            + (upload.map { [("Content-Type", "application/octet-stream"), ("Content-Length", "\($0.1)")] } ?? [])
        let result = try await HTTP.exchange(server: server, caCertificate: caCertificate) { inbound, outbound in
            try await outbound.write(.head(HTTP.requestHead(method, path, server: server, headers: headers)))
            if let (file, _) = upload {
                while let data = try file.read(upToCount: piece), !data.isEmpty {
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: data))))
                }
            }
            try await outbound.write(.end(nil))
            var response = Response(status: 0, body: Data(), disposition: nil, written: 0)
            for try await part in inbound {
                switch part {
                case .head(let responseHead):
                    response.status = Int(responseHead.status.code)
                    response.disposition = responseHead.headers.first(name: "Content-Disposition")
                case .body(let chunk):
                    if let download, (200..<300).contains(response.status) {
                        try download.write(contentsOf: Data(chunk.readableBytesView))
                        response.written += Int64(chunk.readableBytes)
                    } else {
                        response.body.append(contentsOf: chunk.readableBytesView)
                    }
                case .end:
                    return response
                }
            }
            throw ClientError.connection("the hub closed the connection before the whole answer came")
        }
        guard (200..<300).contains(result.status) else {
            if let body = try? JSONDecoder().decode(RestError.self, from: TerminalText.cleanJSON(result.body)) {
                throw ClientError(body.error.code, body.error.message)
            }
            throw .failure("the hub answered \(result.status) to \(method) \(path)")
        }
        return result
    }

    /// The file name a `Content-Disposition` offers: its `filename*` (RFC 8187, UTF-8) else its
    /// `filename`, reduced to a last path component without control characters; `nil` when none.
    static func fileName(fromDisposition value: String) -> String? {
        var plain: String?
        var extended: String?
        for part in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part.lowercased().hasPrefix("filename*=") {
                let encoded = part.dropFirst("filename*=".count)
                guard let quote = encoded.range(of: "''") else { continue }
                guard encoded[..<quote.lowerBound].lowercased() == "utf-8" else { continue }
                extended = String(encoded[quote.upperBound...]).removingPercentEncoding
            } else if part.lowercased().hasPrefix("filename=") {
                var text = String(part.dropFirst("filename=".count))
                if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
                    text = String(text.dropFirst().dropLast())
                }
                plain = text
            }
        }
        guard let name = extended ?? plain else { return nil }
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(
            String.UnicodeScalarView(
                last.unicodeScalars.filter {
                    !$0.properties.isDefaultIgnorableCodePoint && !(0x00...0x1F).contains($0.value) && $0.value != 0x7F
                }))
        let trimmed = clean.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return trimmed.isEmpty ? nil : trimmed
    }
}

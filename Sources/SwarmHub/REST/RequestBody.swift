import Foundation
import HTTPTypes
import Hummingbird
import SwarmProtocol

/// What the REST API reads from a request besides its path and query: the JSON body and the
/// `Idempotency-Key` header, each checked with an error naming what is wrong.
enum RequestBody {
    /// A JSON request body, at most `limit` bytes, decoded, or the error naming the field.
    static func decode<T: Decodable>(_ request: Request, limit: Int) async throws(HubError) -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw HubError(.tooLarge, "the body is larger than \(limit) bytes")
        }
        return try decode(buffer.readableBytesView)
    }

    /// Decodes a REST body: strict JSON (``StrictJSON``), then the type, or the error naming the
    /// field. Pure, so the fuzz test runs it without a server.
    static func decode<T: Decodable>(_ bytes: some Collection<UInt8>, boundedIntegers: Bool = true) throws(HubError)
        -> T
    {
        do {
            try StrictJSON.check(bytes, boundedIntegers: boundedIntegers)
        } catch {
            // REST reports every unreadable body as `invalid_field` (Protocol §20), as before.
            throw HubError(
                .invalidField, error.message.replacingOccurrences(of: "a frame must", with: "the body must")
            )
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw refusal(error)
        }
    }

    /// The `invalid_field` error for a body that does not decode: the field named, or, for a body
    /// that is not an object at all (`0`, `[]`), that it must be one, not "field ''" (found by
    /// schemathesis).
    static func refusal(_ error: any Error) -> HubError {
        guard let error = error as? DecodingError else {
            return HubError(.invalidField, "the body must be a JSON object")
        }
        if case .typeMismatch(_, let context) = error, context.codingPath.isEmpty {
            return HubError(.invalidField, "the body must be a JSON object")
        }
        return HubError(.invalidField, error.fieldMessage)
    }

    /// The `Idempotency-Key` header, as the command id the ledger remembers, if sent. The key is
    /// scoped to the endpoint (`rest:POST /v1/kb:<key>`): the same key on another endpoint is
    /// another request, never the replay of the first one's ack.
    static func idempotencyKey(_ request: Request) throws(HubError) -> String? {
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, key.isEmpty || key.count > ClientFrame.maxIDLength {
            throw HubError(
                .invalidField,
                "header 'Idempotency-Key' must have 1 to \(ClientFrame.maxIDLength) characters")
        }
        return key.map { "rest:\(request.method.rawValue) \(request.uri.path):" + $0 }
    }
}

import Hummingbird
import SwarmProtocol

/// The paging parameters of a list: `limit`, with a default and a maximum, and the cursors, each
/// checked with an error naming it: `after` pages forward (up to `before`, when both are given),
/// `before` alone pages backward.
struct PageQuery {
    var after: Int64?
    var before: Int64?
    var limit: Int

    /// The parameters of `request`; a cursor is a whole number (a `seq` or a comment number).
    static func parse(_ request: Request, defaultLimit: Int, maximum: Int) throws(HubError) -> PageQuery {
        let query = request.uri.queryParameters
        func number(_ name: String) throws(HubError) -> Int64? {
            guard let text = query[name[...]] else { return nil }
            guard let value = Int64(text), value >= 0 else {
                throw HubError(.invalidField, "query '\(name)' must be a whole number, 0 or more")
            }
            return value
        }
        let after = try number("after")
        let before = try number("before")
        return PageQuery(
            after: after, before: before, limit: try limit(request, default: defaultLimit, maximum: maximum))
    }

    /// The `limit` query parameter: 1 to `maximum`, `default` when absent.
    static func limit(_ request: Request, default value: Int, maximum: Int) throws(HubError) -> Int {
        guard let text = request.uri.queryParameters["limit"] else { return value }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw HubError(.invalidField, "query 'limit' must be 1 to \(maximum)")
        }
        return limit
    }
}

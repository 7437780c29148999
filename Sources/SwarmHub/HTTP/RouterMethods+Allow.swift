import HTTPTypes
import Hummingbird

/// Every method a REST client might send that a path does not serve.
private let refusedMethods: [HTTPRequest.Method] = [
    .get, .post, .put, .delete, .patch, .trace, HTTPRequest.Method("QUERY")!,
]

extension RouterMethods {
    /// Answers the methods a client might send that `path` does not serve with `405 Method Not
    /// Allowed` and an `Allow` header naming those it does (RFC 9110 §15.5.6), instead of the
    /// router's 404, which says the resource does not exist (found by schemathesis). Used by the REST
    /// route collections and `GET /metrics`.
    @discardableResult func allow(_ methods: [HTTPRequest.Method], at path: RouterPath = "") -> Self {
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        for method in refusedMethods where !methods.contains(method) {
            on(path, method: method) { _, _ -> Response in
                throw HTTPError(.methodNotAllowed, headers: [.allow: allow])
            }
        }
        return self
    }
}

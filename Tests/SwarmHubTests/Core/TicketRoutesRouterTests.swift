import Foundation
import Hummingbird
import HummingbirdTesting
import SwarmConfiguration
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@testable import SwarmHub

/// The ticket routes through Hummingbird's router, without a socket: the REST API's composition
/// (``RestAPI``) over an in-memory store, as Hummingbird's own tests use `app.test(.router)`. What needs
/// the network — upgrades, slow clients, TLS — stays in the live tests.
@Suite("REST routes through the router, no socket")
struct TicketRoutesRouterTests {
    func withRouter(_ body: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void) async throws {
        let store = try SQLiteEventStore.inMemory()
        let hub = try await Hub(store: store, configuration: HubConfiguration(), logger: quietLogger)
        let (_, token) = try await store.createToken(name: "alice", role: .agent, at: systemClock())
        let router = Router(context: HubRequestContext.self)
        hub.addRESTRoutes(to: router)
        try await Application(router: router).test(.router) { client in try await body(client, token) }
    }

    @Test("the list answers a page with its total; bad paging is 400 naming the parameter; nothing is cached")
    func listPages() async throws {
        try await withRouter { client, token in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            try await client.execute(uri: "/v1/tickets?limit=5", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(TicketList.self, from: Data(response.body.readableBytesView))
                #expect(list.tickets.isEmpty && list.total == 0 && list.next == nil)
                #expect(response.headers[.cacheControl] == "no-store")
            }
            for query in ["limit=0", "limit=501", "after=42", "status=new,bogus"] {
                try await client.execute(uri: "/v1/tickets?\(query)", method: .get, headers: auth) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    let error = try JSONDecoder().decode(RestError.self, from: Data(response.body.readableBytesView))
                    #expect(error.error.code == .invalidField && error.error.message.contains("query '"), "\(query)")
                }
            }
            try await client.execute(uri: "/v1/tickets", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.cacheControl] == "no-store")
            }
            try await client.execute(uri: "/v1/tickets/T-9/comments", method: .get, headers: auth) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}

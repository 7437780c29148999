import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwarmProtocol

/// A folder of static files shipped in the hub's resource bundle, served under one path, no build
/// step: `/dashboard` (the leads' live metrics, Resources/dashboard) and `/portal` (the requesters'
/// self-service portal, Resources/portal). The pages themselves are public; their data comes over
/// the WebSocket and the REST API, which need a token of the right role. The files of
/// Resources/shared (the WebSocket client module both pages import, `swarm-socket.mjs`) are served
/// under each page too, so one source file serves both and each page imports it from its own path.
struct StaticSite: Sendable {
    /// The URL path, `/dashboard`; also the name of the folder in Resources.
    let name: String
    /// The files, read once at start: name → (content type, bytes). Only these names are served.
    let files: [String: (type: String, bytes: ByteBuffer)]

    /// The leads' dashboard.
    static let dashboard = StaticSite(folder: "dashboard")
    /// The requesters' portal (docs/portal.md).
    static let portal = StaticSite(folder: "portal")
    /// The folder in Resources whose files every page serves as its own.
    static let sharedFolder = "shared"

    /// The files of `folder`, with those of Resources/shared when `sharing` (the pages that import
    /// the WebSocket client).
    init(folder: String, sharing: Bool = true) {
        name = folder
        // The shared files first: a page's own file of the same name would win.
        let shared = sharing ? Self.files(in: Self.sharedFolder) : [:]
        self.files = shared.merging(Self.files(in: folder)) { _, own in own }
    }

    /// The servable files of one folder of the resource bundle (HTML, JavaScript, CSS, SVG).
    static func files(in folder: String) -> [String: (type: String, bytes: ByteBuffer)] {
        guard let url = Bundle.module.url(forResource: folder, withExtension: nil) else { return [:] }
        // .mjs: an ES module (the shared client), so that Node's test runner loads it as one too.
        let types = [
            "html": "text/html", "js": "text/javascript", "mjs": "text/javascript", "css": "text/css",
            "svg": "image/svg+xml",
        ]
        var files: [String: (type: String, bytes: ByteBuffer)] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for name in names {
            guard let type = types[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path)
            else { continue }
            files[name] = ("\(type); charset=utf-8", ByteBuffer(bytes: data))
        }
        return files
    }

    /// The pages load only their own files and talk only to their own hub (the WebSocket included);
    /// no inline script, no other site may frame them (clickjacking), and a page holding a token
    /// cannot be made to post it elsewhere.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self';"
        + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    /// Serves the dashboard, the portal and the front page that links them (``HomePage``).
    static func add(to router: Router<HubRequestContext>) {
        for site in [dashboard, portal] { site.add(to: router) }
        HomePage.add(to: router)
    }

    func add(to router: Router<HubRequestContext>) {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { _, _ in try response("index.html") }
        routes.get(":file") { _, context in try response(context.parameters.get("file") ?? "") }
        routes.allow([.get])
        routes.allow([.get], at: ":file")
        router.addRoutes(routes, atPath: RouterPath("/\(name)"))
    }

    func response(_ file: String) throws -> Response {
        guard let found = files[file] else { throw HubError(.notFound, "no \(name) file '\(file)'") }
        var headers = HTTPFields()
        headers[.contentType] = found.type
        // Small files, and a new hub version may change them: always revalidate.
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Content-Security-Policy")!] = Self.contentSecurityPolicy
        // For browsers without frame-ancestors: the pages never run inside another site's frame.
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: found.bytes))
    }
}

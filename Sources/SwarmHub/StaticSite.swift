import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwarmProtocol

/// `/dashboard`: the leads' live metrics page, static files shipped in the hub's resource bundle
/// (Sources/SwarmHub/Resources/dashboard), no build step. The page itself is public; its data comes
/// over the WebSocket `metrics` channel and `GET /v1/metrics`, which need a lead's token.
enum Dashboard {
    /// The files, read once at start: name → (content type, bytes). Only these names are served.
    static let files: [String: (type: String, bytes: ByteBuffer)] = {
        guard let folder = Bundle.module.url(forResource: "dashboard", withExtension: nil) else { return [:] }
        let types = ["html": "text/html", "js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"]
        var files: [String: (String, ByteBuffer)] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names {
            guard let type = types[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
            else { continue }
            files[name] = ("\(type); charset=utf-8", ByteBuffer(bytes: data))
        }
        return files
    }()

    static func add(to router: Router<HubRequestContext>) {
        router.get("/dashboard") { _, _ in try response("index.html") }
        router.get("/dashboard/:file") { _, context in try response(context.parameters.get("file") ?? "") }
    }

    static func response(_ name: String) throws -> Response {
        guard let file = files[name] else { throw APIError(.notFound, "no dashboard file '\(name)'") }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        // Small files, and a new hub version may change them: always revalidate.
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }
}

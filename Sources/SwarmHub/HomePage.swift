import Foundation
import HTTPTypes
import Hummingbird

/// `GET /`: a small page that says what this hub offers people and links the portal and the
/// dashboard, in English or German (Resources/home). Without it a person who types the hub's
/// address gets a 404 and no way on.
///
/// The language is the one `?lang=de` or `?lang=en` asks for, else the browser's preference
/// (`Accept-Language`), else English; each page links the other. No script: the page is chosen here.
package enum HomePage {
    /// Its files: `index.html` (English), `index.de.html`, `home.css`.
    static let site = StaticSite(folder: "home", sharing: false)

    static func add(to router: Router<HubRequestContext>) {
        router.get("/") { request, _ in
            let language = language(
                asked: request.uri.queryParameters["lang"].map(String.init),
                accepted: request.headers[.acceptLanguage])
            var response = try site.response(language == "de" ? "index.de.html" : "index.html")
            // Caches keep one copy per language the browser asks for.
            response.headers[.vary] = "Accept-Language"
            return response
        }
        router.get("/home.css") { _, _ in try site.response("home.css") }
        router.allow([.get], at: "/")
        router.allow([.get], at: "/home.css")
    }

    /// The page's language: `de` or `en`.
    ///
    /// - Parameters:
    ///   - asked: the `lang` query parameter, which wins when it names one of the two.
    ///   - accepted: an `Accept-Language` header (`de-DE,de;q=0.9,en;q=0.8`): the language of the
    ///     highest weight among the two, the first on a tie; English when it names neither.
    package static func language(asked: String?, accepted: String?) -> String {
        if let asked = asked?.lowercased(), ["de", "en"].contains(asked) { return asked }
        var best: (language: String, weight: Double)?
        for entry in (accepted ?? "").split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased() else { continue }
            let base = String(tag.split(separator: "-").first ?? "")
            guard base == "de" || base == "en" else { continue }
            let weight =
                parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if weight > 0, weight > (best?.weight ?? 0) { best = (base, weight) }
        }
        return best?.language ?? "en"
    }
}

internal import Foundation
internal import SwarmLanguage
import SwarmProtocol

/// The knowledge base (tier 0): articles written or captured from resolved tickets, suggested when
/// a ticket opens, and used to resolve one. See docs/tiers.md, "Knowledge base".
extension SwarmState {
    func decideArticle(_ request: KBCreate, by principal: Principal, at now: Timestamp, taxonomy: Taxonomy)
        throws(DomainError) -> [SwarmEvent]
    {
        let title = request.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Limits.titleLength.contains(title.count) else {
            throw .invalid(
                "field 'title' must have \(Limits.titleLength.lowerBound) to \(Limits.titleLength.upperBound) characters"
            )
        }
        try Limits.checkText(title, field: "title", length: Limits.titleLength, multiline: false)
        guard Limits.articleBodyLength.contains(request.body.count) else {
            throw .invalid("field 'body' must have 1 to \(Limits.articleBodyLength.upperBound) characters")
        }
        try Limits.checkText(request.body, field: "body", length: Limits.articleBodyLength)
        let tags = try Self.knownTags(request.tags ?? [], field: "tags", taxonomy: taxonomy)
        // The title alone is often too short to tell; with the body it rarely is.
        let language = try Self.language(given: request.language, detectedIn: title + "\n" + request.body)
        let article = Article(
            id: Article.id(number: articleCount + 1), title: title, body: request.body, tags: tags,
            status: request.draft == true ? .draft : .published, author: principal.id, source: nil,
            language: language?.code, at: now)
        return [SwarmEvent(ticket: nil, actor: principal.id, at: now, payload: .kbCreated(article))]
    }

    /// A draft from a resolved ticket: its problem (title, description), cause and solution (the
    /// resolution), and what the swarm told the requester (public replies of people other than the
    /// requester). Internal notes stay out: a published article is read by requesters. Its language
    /// is the ticket's; a ticket without one is detected from what the article quotes of it — not the
    /// article's English headings, which would tip every undecided German ticket to English.
    func decideCapture(_ id: String, by principal: Principal, at now: Timestamp) throws(DomainError) -> [SwarmEvent] {
        let ticket = try existingTicket(id)
        guard ticket.status.isDone else {
            throw .conflict("\(id) is \(ticket.status.rawValue); capture a ticket once it is resolved")
        }
        var body = "Problem\n\(ticket.title)\n"
        if !ticket.description.isEmpty { body += "\(ticket.description)\n" }
        body += "\nCause and solution\n\(ticket.resolution ?? "(no resolution was recorded)")\n"
        let notes = ticket.comments.filter { $0.author != ticket.requester && $0.visibility == .public }.suffix(10)
        var quoted = [ticket.title, ticket.description, ticket.resolution ?? ""]
        if !notes.isEmpty {
            body += "\nFrom the swarm\n"
            for note in notes {
                let text = note.body.split(whereSeparator: \.isNewline).joined(separator: " ")
                body += "- \(note.author): \(text.count > 300 ? String(text.prefix(299)) + "…" : text)\n"
                quoted.append(text)
            }
        }
        let language = ticket.language ?? LanguageDetector.detect(quoted.joined(separator: "\n"))?.code
        let article = Article(
            id: Article.id(number: articleCount + 1), title: ticket.title,
            body: String(body.prefix(Limits.articleBodyLength.upperBound)),
            tags: Array(ticket.requiredSkills.prefix(Limits.maxSkills)),
            status: .draft, author: principal.id, source: id, language: language, at: now)
        return [SwarmEvent(ticket: id, actor: principal.id, at: now, payload: .kbCreated(article))]
    }

    func decidePublish(_ id: String, by principal: Principal, at now: Timestamp) throws(DomainError) -> [SwarmEvent] {
        guard let article = articles[id] else { throw .notFound("no article \(id)") }
        guard article.status == .draft else { throw .conflict("\(id) is already published") }
        return [SwarmEvent(ticket: nil, actor: principal.id, at: now, payload: .kbPublished(article: id))]
    }

    /// Resolves a ticket with a published article; by its requester, that is a deflection at tier 0.
    func decideApply(_ id: String, article articleID: String, by principal: Principal, at now: Timestamp)
        throws(DomainError) -> [SwarmEvent]
    {
        let ticket = try existingTicket(id)
        guard let article = articles[articleID] else { throw .notFound("no article \(articleID)") }
        guard article.status == .published else {
            // Drafts are the staff's: to a requester one is no article at all, as GET /v1/kb/{id} says.
            guard principal.role.worksTickets else { throw .notFound("no article \(articleID)") }
            throw .conflict("\(articleID) is a draft; publish it first")
        }
        guard !ticket.status.isDone else { throw .conflict("\(id) is already \(ticket.status.rawValue)") }
        guard ticket.status.allowedNext.contains(.resolved) else {
            throw .conflict("\(id) cannot be resolved from \(ticket.status.rawValue)")
        }
        let deflected = principal.id == ticket.requester
        return [
            SwarmEvent(
                ticket: id, actor: principal.id, at: now, payload: .kbApplied(article: articleID, deflected: deflected)),
            SwarmEvent(
                ticket: id, actor: principal.id, at: now,
                payload: .statusChanged(
                    from: ticket.status, to: .resolved, resolution: "Resolved with \(articleID): \(article.title)")),
        ]
    }
}

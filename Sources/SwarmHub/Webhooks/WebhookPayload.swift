import Foundation
import SwarmConfiguration
import SwarmProtocol

/// The body of one delivery, in each of the formats a hook can ask for (docs/operations.md, "Webhooks";
/// Protocol/README.md §33). The event is the hook's view of it (``WebhookPlan/view(of:requester:internalNotes:)``).
struct WebhookPayload {
    var event: SwarmEvent
    var seq: Int64
    /// The event's ticket as the hub knew it when it planned the delivery.
    var ticket: Ticket?
    var hook: String
    var delivery: String

    /// The body as `format` wants it: UTF-8 JSON with sorted keys.
    func render(_ format: WebhookFormat) throws -> [UInt8] {
        let line = WebhookText.line(event, ticket: ticket)
        switch format {
        case .slack:
            return try encode(Slack(text: Self.slackEscaped(line)))
        case .teams:
            return try encode(teams(line))
        case .matrix:
            let html = Self.htmlEscaped(WebhookText.headline(event, ticket: ticket)).map { "<b>\($0)</b> — " } ?? ""
            let formatted = html + Self.htmlEscaped(WebhookText.summary(event))
            return try encode(
                Matrix(
                    msgtype: "m.text", body: line, format: "org.matrix.custom.html", formattedBody: formatted,
                    text: line, html: formatted))
        case .json:
            return try encode(
                JSONBody(
                    hook: hook, delivery: delivery, seq: seq, type: event.type.rawValue, text: line, event: event,
                    ticket: ticket.map {
                        JSONBody.TicketSummary(id: $0.id, title: $0.title, queue: $0.queue, priority: $0.priority)
                    }))
        }
    }

    private func encode(_ value: some Encodable) throws -> [UInt8] { Array(try SwarmJSON.shared.encode(value)) }

    /// A message with one Adaptive Card: the headline in bold, what happened, and the facts a team sorts
    /// by. What a Teams Workflows webhook ("when a Teams webhook request is received") and an Incoming
    /// Webhook both take.
    private func teams(_ line: String) -> Teams {
        var body: [Teams.Element] = []
        if let headline = WebhookText.headline(event, ticket: ticket) {
            body.append(Teams.Element(type: "TextBlock", text: headline, weight: "Bolder", wrap: true))
        }
        body.append(Teams.Element(type: "TextBlock", text: WebhookText.summary(event), wrap: true))
        var facts = [Teams.Fact(title: "Event", value: event.type.rawValue)]
        if let ticket {
            facts.append(Teams.Fact(title: "Priority", value: ticket.priority.rawValue))
            facts.append(Teams.Fact(title: "Queue", value: ticket.queue))
        }
        body.append(Teams.Element(type: "FactSet", facts: facts))
        return Teams(
            summary: line,
            attachments: [
                Teams.Attachment(
                    content: Teams.Card(body: body))
            ])
    }

    /// Slack's three control characters as entities (api.slack.com, "Escaping text"); Mattermost and
    /// Rocket.Chat read the entities as the characters.
    static func slackEscaped(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }

    static func htmlEscaped(_ text: String) -> String {
        slackEscaped(text).replacing("\"", with: "&quot;")
    }

    static func htmlEscaped(_ text: String?) -> String? { text.map { htmlEscaped($0) } }

    struct Slack: Encodable {
        var text: String
    }

    /// A Matrix `m.room.message` content, with matrix-hookshot's keys beside it (hookshot posts `text`,
    /// with `html` as its formatted body).
    struct Matrix: Encodable {
        var msgtype: String
        var body: String
        var format: String
        var formattedBody: String
        var text: String
        var html: String

        enum CodingKeys: String, CodingKey {
            case msgtype, body, format, text, html
            case formattedBody = "formatted_body"
        }
    }

    struct Teams: Encodable {
        var type = "message"
        var summary: String
        var attachments: [Attachment]

        struct Attachment: Encodable {
            var contentType = "application/vnd.microsoft.card.adaptive"
            var content: Card
        }

        struct Card: Encodable {
            var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
            var type = "AdaptiveCard"
            var version = "1.4"
            var body: [Element]

            enum CodingKeys: String, CodingKey {
                case schema = "$schema"
                case type, version, body
            }
        }

        struct Element: Encodable {
            var type: String
            var text: String?
            var weight: String?
            var wrap: Bool?
            var facts: [Fact]?
        }

        struct Fact: Encodable {
            var title: String
            var value: String
        }
    }

    /// The `json` format: the event as the protocol encodes it (its hook view), with the ids a receiver
    /// needs and the line the chat formats show.
    struct JSONBody: Encodable {
        var hook: String
        var delivery: String
        var seq: Int64
        var type: String
        var text: String
        var event: SwarmEvent
        var ticket: TicketSummary?

        struct TicketSummary: Encodable {
            var id: String
            var title: String
            var queue: String
            var priority: Priority
        }
    }
}

import Foundation
import SwarmCore
import SwarmProtocol
import SwarmStore
import Testing

@testable import SwarmHub

@Suite("Notices by mail, pure: notify.set's rules and which events mail whom, in which words")
struct NoticeMailPlanTests {
    let rita = Principal(id: "rita", role: .requester)
    let nick = Principal(id: "nick", role: .expert)
    let alice = Principal(id: "alice", role: .agent)
    let lena = Principal(id: "lena", role: .lead)
    let settings = SwarmSettings(taxonomy: .standard)

    /// Decides and applies `commands` in turn, each event with its seq and channels, as the ledger does.
    func run(_ commands: [(Command, Principal)], state start: SwarmState = SwarmState()) throws -> (
        SwarmState, [StoredEvent]
    ) {
        var state = start
        var log: [StoredEvent] = []
        for (index, (command, principal)) in commands.enumerated() {
            let at = Timestamp(milliseconds: 1_000 * Int64(index + 1))
            for event in try state.decide(command, by: principal, at: at, settings: settings) {
                let context = state.routingContext(for: event)
                state.apply(event)
                let channels = state.channels(for: event, context: context).map(\.description)
                log.append(StoredEvent(seq: Int64(log.count + 1), channels: channels, event: event, json: "{}"))
            }
        }
        return (state, log)
    }

    func notify(_ kinds: [NoticeKind], _ mail: String?, language: String? = nil, agent: String? = nil) -> Command {
        .client(.notifySet(NotifySet(kinds: kinds, mail: mail, language: language, agent: agent)))
    }

    func refusal(_ command: Command, by principal: Principal) -> DomainError? {
        do {
            _ = try run([(command, principal)])
            return nil
        } catch let error as DomainError {
            return error
        } catch {
            return nil
        }
    }

    @Test("notify.set validates the address, the language and the kinds, and is the person's own unless a lead's")
    func validation() throws {
        let (state, log) = try run([(notify([.sla, .invite, .invite], "Nick@IT.Example", language: "de"), nick)])
        #expect(
            state.notifications["nick"]
                == NotifySettings(agent: "nick", kinds: [.invite, .sla], mail: "Nick@it.example", language: "de"))
        #expect(log.map(\.channels) == [["agent:nick"]], "the address goes to the person's channel only")
        #expect(
            Policy.view(of: log[0].event, for: .requester("rita"), in: state) == .hidden)

        for (command, principal, message) in [
            (notify([.invite], "nick"), nick, "field 'mail' must be an e-mail address"),
            (notify([.invite], "a@b"), nick, "field 'mail' must be an e-mail address"),
            (notify([.invite], "nick@it.example", language: "fr"), nick, "field 'language' must be de or en"),
            (notify([.invite], nil), nick, "field 'mail' is needed"),
            (notify([.invite], "alice@it.example", agent: "alice"), nick, "only leads and admins"),
            (notify([.invite], "rita@it.example"), rita, "requesters may"),
        ] {
            let error = try #require(refusal(command, by: principal), "\(command)")
            #expect(error.message.contains(message), "\(error.message)")
        }
        let (led, _) = try run([(notify([.answer], "alice@it.example", agent: "alice"), lena)])
        #expect(led.notifications["alice"]?.kinds == [.answer])
        // The same again is no event; mail off forgets the choice.
        let (_, same) = try run([(notify([.sla, .invite], "Nick@it.example", language: "de"), nick)], state: state)
        #expect(same.isEmpty)
        let (off, _) = try run([(notify([], nil), nick)], state: state)
        #expect(off.notifications["nick"] == nil)
    }

    @Test(
        "an invitation, an assignment, an SLA alarm and the requester's answer mail whom the rule says, in their language"
    )
    func plan() throws {
        let (state, log) = try run([
            (notify([.invite, .assign, .sla, .answer], "nick@staff.example", language: "de"), nick),
            (notify([.answer], "alice@staff.example"), alice),
            (
                .client(
                    .ticketOpen(
                        TicketOpen(
                            title: "VPN bricht ab", description: "Seit heute früh", category: .network, urgency: .high,
                            impact: .low))), rita
            ),
            (.client(.ticketInvite(TicketInvite(ticket: "T-1", agent: "nick"))), lena),
            (.client(.inviteAnswer(InviteAnswer(ticket: "T-1", accept: true))), nick),
            (.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "nick"))), lena),
            (.client(.commentAdd(CommentAdd(ticket: "T-1", body: "Intern: MTU?"))), nick),
            (.client(.commentAdd(CommentAdd(ticket: "T-1", body: "Immer noch kaputt.\nZweite Zeile"))), rita),
        ])
        let now = Timestamp(milliseconds: 10_000)
        let mails = log.flatMap {
            NoticeMailPlan.mails(for: $0, in: state, domain: "it.example", language: .en, now: now)
        }
        #expect(mails.map(\.recipient) == Array(repeating: "nick@staff.example", count: 3), "\(mails.map(\.subject))")
        #expect(
            mails.map(\.subject) == [
                "Einladung: VPN bricht ab", "Ihnen zugewiesen: VPN bricht ab", "Antwort: VPN bricht ab",
            ])
        #expect(mails.allSatisfy { $0.kind == .notice && $0.language == .de && $0.references == ["T-1@it.example"] })
        #expect(mails[0].text.contains("lena lädt Sie in den Schwarm von T-1 ein"), "\(mails[0].text)")
        #expect(mails[2].text.contains("> Immer noch kaputt.\n> Zweite Zeile"), "\(mails[2].text)")
        #expect(Set(mails.map(\.id)).count == 3 && mails.allSatisfy { $0.id.hasSuffix(".nick@it.example") })
        // Alice chose answers, but does not work on T-1: nothing for her. Nick's own accept and his own
        // note: nothing either. An invitation that ran out before the mailer saw it: nothing.
        let late = log.flatMap {
            NoticeMailPlan.mails(
                for: $0, in: state, domain: "it.example", language: .en, now: Timestamp(milliseconds: 3_600_000))
        }
        #expect(!late.contains { $0.subject.hasPrefix("Einladung") })

        // An SLA warning on his ticket, in English for someone who chose no language (the hub's).
        let (english, _) = try run(
            [(notify([.sla], "nick@staff.example"), nick)], state: state)
        let warning = StoredEvent(
            seq: 99, channels: [],
            event: SwarmEvent(
                ticket: "T-1", actor: "swarmd", at: now,
                payload: .slaWarning(target: .firstResponse, due: Timestamp(milliseconds: 10_000 + 25 * 60_000))),
            json: "{}")
        let sla = NoticeMailPlan.mails(for: warning, in: english, domain: "it.example", language: .en, now: now)
        #expect(sla.map(\.subject) == ["SLA warning: VPN bricht ab"])
        #expect(sla.first?.text.contains("The first response target of T-1 is due in 25 minutes.") == true)
    }
}

import SwarmLanguage
public import SwarmProtocol

extension SwarmState {
    /// `notify.set`: a person's choice of notices by mail, replaced whole. Validated here, so the event
    /// holds what the mailer can use: an address of the form a requester's has (`RequesterName`), a
    /// language the hub writes (`de`, `en`), kinds without repeats in their documented order. The same
    /// choice again is no event.
    func decideNotify(_ set: NotifySet, by principal: Principal, at now: Timestamp) throws(DomainError)
        -> [SwarmEvent]
    {
        let agent = set.agent ?? principal.id
        var mail: String?
        if let given = set.mail {
            guard case .address(let local, let domain)? = RequesterName(parsing: given) else {
                throw .invalid("field 'mail' must be an e-mail address like nick@example.com, not '\(given)'")
            }
            mail = "\(local)@\(domain)"
        }
        if let language = set.language, Language(code: language) == nil {
            throw .invalid("field 'language' must be de or en")
        }
        let kinds = Set(set.kinds).sorted()
        guard mail != nil || kinds.isEmpty else {
            throw .invalid("field 'mail' is needed: notices by mail go to an address (kinds without one reach no one)")
        }
        let settings = NotifySettings(agent: agent, kinds: kinds, mail: mail, language: set.language)
        if (notifications[agent] ?? NotifySettings(agent: agent)) == settings { return [] }
        return [SwarmEvent(ticket: nil, actor: principal.id, at: now, payload: .notifyChanged(settings))]
    }
}

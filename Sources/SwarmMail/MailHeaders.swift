import CGMime

/// Reading header values GMime has already decoded into what `InboundMail` keeps.
enum MailHeaders {
    /// The mailboxes of an address list, groups flattened, addresses lowercased; mailboxes without an
    /// address (`undisclosed-recipients:;`, a bare name) are left out.
    static func mailboxes(_ list: UnsafeMutablePointer<InternetAddressList>?, depth: Int = 0) -> [MailAddress] {
        guard let list, depth < 4 else { return [] }
        var result: [MailAddress] = []
        for index in 0..<max(0, Int(internet_address_list_length(list))) {
            guard let address = internet_address_list_get_address(list, Int32(index)) else { continue }
            if let group = cgmime_as_group(address) {
                result += mailboxes(internet_address_group_get_members(group), depth: depth + 1)
            } else if let mailbox = cgmime_as_mailbox(address),
                let addr = GMime.string(internet_address_mailbox_get_addr(mailbox))?.trimmingWhitespace(),
                addr.contains("@"), !addr.hasPrefix("@"), !addr.hasSuffix("@")
            {
                let name = GMime.string(internet_address_get_name(address)).map(oneLine)
                result.append(MailAddress(addr.lowercased(), name: name?.isEmpty == false ? name : nil))
            }
        }
        return result
    }

    /// The message ids of an `In-Reply-To` or `References` value, without angle brackets, through GMime's
    /// own reader (which skips comments and the phrases some old clients put there).
    static func messageIDs(_ value: String?) -> [String] {
        guard let value, let references = g_mime_references_parse(nil, value) else { return [] }
        defer { g_mime_references_free(references) }
        return (0..<Int(g_mime_references_length(references))).compactMap { index in
            messageID(GMime.string(g_mime_references_get_message_id(references, Int32(index))))
        }
    }

    /// A message id as kept: trimmed, angle brackets gone, nil when nothing is left.
    static func messageID(_ value: String?) -> String? {
        guard var id = value?.trimmingWhitespace() else { return nil }
        if id.hasPrefix("<") { id.removeFirst() }
        if id.hasSuffix(">") { id.removeLast() }
        id = id.trimmingWhitespace()
        return id.isEmpty || id.contains(where: { $0.isWhitespace }) ? nil : id
    }

    /// A header value on one line: every run of whitespace (line breaks of a folded header included)
    /// made one space, trimmed.
    static func oneLine(_ value: String) -> String {
        Windows1252.replacingC1Controls(value).split(whereSeparator: { $0.isWhitespace || $0 == "\u{0}" }).joined(
            separator: " ")
    }

    /// The first language tag of `Content-Language: de-DE, en`; nil when it holds none.
    static func firstLanguage(_ value: String) -> String? {
        let first = value.split(separator: ",").first.map { String($0).trimmingWhitespace() } ?? ""
        let valid =
            !first.isEmpty && first.count <= 35
            && first.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return valid ? first : nil
    }
}

/// The ticket tag of a subject: `[T-42]`.
enum TicketTag {
    /// The first `[T-<digits>]` in the subject, as `T-<digits>` (leading zeros dropped); nil if none.
    /// Only this form counts: `[t-42]`, `[T 42]` or `T-42` without brackets are a person's words.
    static func find(in subject: String) -> String? {
        let scalars = Array(subject.unicodeScalars)
        var index = 0
        while index + 4 < scalars.count {
            defer { index += 1 }
            guard scalars[index] == "[", scalars[index + 1] == "T", scalars[index + 2] == "-" else { continue }
            var end = index + 3
            var number = 0
            // 18 digits at most: the number stays an Int, and no ticket number is longer.
            while end < scalars.count, end - index - 3 < 18, ("0"..."9").contains(scalars[end]) {
                number = number * 10 + Int(scalars[end].value - 48)
                end += 1
            }
            if end > index + 3, end < scalars.count, scalars[end] == "]", number > 0 {
                return "T-\(number)"
            }
        }
        return nil
    }
}

extension String {
    /// The string without leading and trailing whitespace and line breaks.
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}

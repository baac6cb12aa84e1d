import Foundation

/// One event for one or more people, as the action that caused it describes it:
/// written to the outbox in the same transaction as the change.
public struct NotificationEvent: Sendable, Equatable {
    public var kind: NotificationKind
    /// Unique per event: a recipient never gets two notifications with the same key
    /// (`"proposal-returned:17:v3"`). Also the email's Message-ID, so a retried
    /// delivery is recognisably the same message.
    public var key: String
    public var recipients: [Int64]
    /// One line: "Proposal 3 for Harbor Freight was returned".
    public var subject: String
    /// Plain sentences; escaped when rendered as HTML.
    public var lines: [String]
    /// The record's page, a site path such as `/proposals/17`.
    public var link: String?
    public var entity: String?
    public var entityID: Int64?
    /// For assignments: the invitation the email carries.
    public var invitation: CalendarInvitation?

    public init(kind: NotificationKind, key: String, recipients: [Int64], subject: String, lines: [String] = [],
                link: String? = nil, entity: String? = nil, entityID: Int64? = nil, invitation: CalendarInvitation? = nil) {
        self.kind = kind
        self.key = key
        self.recipients = Array(Set(recipients)).sorted()
        self.subject = subject
        self.lines = lines
        self.link = link
        self.entity = entity
        self.entityID = entityID
        self.invitation = invitation
    }
}

/// An email's two bodies, from the same words: plain text, and HTML with every
/// value escaped.
public struct NotificationMessage: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    /// `baseURL` (`"https://baton.example.com"`) makes the record's link absolute.
    public static func render(recipientName: String, subject: String, lines: [String], link: String?, baseURL: String?,
                              preferencesLink: String = "/notifications/preferences") -> NotificationMessage {
        let base = (baseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let url = link.map { base + $0 }
        let preferences = base + preferencesLink
        // A subject is one header line: no line breaks.
        let oneLine = subject.components(separatedBy: .newlines).joined(separator: " ")
        var text = "Hello \(recipientName),\n\n\(oneLine).\n"
        for line in lines { text += "\n" + line + "\n" }
        if let url { text += "\nOpen it: \(url)\n" }
        text += "\n--\nBaton. Choose what you hear of and how: \(preferences)\n"
        var html = "<!doctype html><html><body style=\"font-family: sans-serif\">"
        html += "<p>Hello \(escapeHTML(recipientName)),</p><p><strong>\(escapeHTML(oneLine)).</strong></p>"
        for line in lines { html += "<p>\(escapeHTML(line))</p>" }
        if let url { html += "<p><a href=\"\(escapeHTML(url))\">Open it in Baton</a></p>" }
        html += "<hr><p style=\"color: #666; font-size: small\">Baton. <a href=\"\(escapeHTML(preferences))\">Choose what you hear of and how</a>.</p>"
        html += "</body></html>"
        return NotificationMessage(subject: oneLine, text: text, html: html)
    }

    /// The five characters HTML gives meaning to, as entities.
    public static func escapeHTML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

import Foundation

/// One email as SMTP's DATA sends it (RFC 5322 with MIME): a plain-text and an
/// HTML body as alternatives, and for an assignment a `text/calendar` part with its
/// METHOD, which calendar clients show as an invitation. Every part is base64, so
/// no line is too long and none starts with a dot.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var toName: String
    public var subject: String
    public var text: String
    public var html: String
    /// The iCalendar document and its method (`REQUEST`, `CANCEL`).
    public var calendar: (document: String, method: String)?
    /// The same for every delivery of the same event to the same person, so a
    /// retried send is recognisably one message: `<proposal-returned.17.3@baton>`.
    public var messageID: String
    public var date: Date
    /// Where one POST stops these messages (a client's status updates): sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
    public var unsubscribeURL: String?

    public init(from: String, to: String, toName: String, subject: String, text: String, html: String,
                calendar: (document: String, method: String)? = nil, messageID: String, date: Date) {
        self.from = from
        self.to = to
        self.toName = toName
        self.subject = subject
        self.text = text
        self.html = html
        self.calendar = calendar
        self.messageID = messageID
        self.date = date
    }

    public static func == (a: MailMessage, b: MailMessage) -> Bool {
        a.from == b.from && a.to == b.to && a.subject == b.subject && a.text == b.text && a.html == b.html
            && a.calendar?.document == b.calendar?.document && a.calendar?.method == b.calendar?.method && a.messageID == b.messageID
    }

    /// A Message-ID from an event key and a recipient: only characters an id may hold.
    public static func messageID(eventKey: String, recipientID: Int64) -> String {
        let safe = String(eventKey.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return (scalar.isASCII && (c.isLetter || c.isNumber || c == "-" || c == ".")) ? c : "."
        })
        return "<\(safe).\(recipientID)@baton>"
    }

    /// The message, lines ending in CRLF. `boundary` separates the parts.
    public func rendered(boundary: String) -> String {
        var head: [String] = [
            "From: " + Self.header(from),
            "To: " + (toName.isEmpty ? "" : Self.encodedWord(toName) + " ") + "<" + Self.header(to) + ">",
            "Subject: " + Self.encodedWord(subject),
            "Date: " + Self.rfc5322Date(date),
            "Message-ID: " + Self.header(messageID),
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        if let unsubscribeURL {
            head.append("List-Unsubscribe: <" + Self.header(unsubscribeURL) + ">")
            head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        head.append("")
        var body: [String] = []
        func part(_ type: String, _ content: String) {
            body.append("--" + boundary)
            body.append("Content-Type: " + type)
            body.append("Content-Transfer-Encoding: base64")
            body.append("")
            body.append(contentsOf: Self.base64Lines(content))
        }
        part("text/plain; charset=UTF-8", text)
        part("text/html; charset=UTF-8", html)
        if let calendar { part("text/calendar; charset=UTF-8; method=" + calendar.method, calendar.document) }
        body.append("--" + boundary + "--")
        return (head + body).joined(separator: "\r\n") + "\r\n"
    }

    /// A header value with no line break in it.
    static func header(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }.map(Character.init))
    }

    /// RFC 2047: plain ASCII as is, anything else as one `=?UTF-8?B?…?=` word.
    public static func encodedWord(_ value: String) -> String {
        let clean = header(value)
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "=" && $0 != "?" }) { return clean }
        return "=?UTF-8?B?" + Data(clean.utf8).base64EncodedString() + "?="
    }

    static func base64Lines(_ content: String) -> [String] {
        let encoded = Data(content.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

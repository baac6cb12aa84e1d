import Dates
import Foundation

/// An iCalendar invitation (RFC 5546 iTIP) for one assignment: `METHOD:REQUEST`
/// when made or changed, `METHOD:CANCEL` when removed. The UID stays the same for
/// the assignment's whole life and SEQUENCE rises with every change, so the
/// person's calendar updates or removes its one copy instead of adding another.
public struct CalendarInvitation: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable { case request = "REQUEST", cancel = "CANCEL" }

    public var method: Method
    public var uid: String
    public var sequence: Int
    public var summary: String
    /// The client site: where to show up.
    public var location: String?
    public var description: String?
    public var start: CalendarDate
    /// The last day, included.
    public var end: CalendarDate
    public var organizerEmail: String
    public var attendeeEmail: String
    public var attendeeName: String

    public init(method: Method, uid: String, sequence: Int, summary: String, location: String?, description: String?,
                start: CalendarDate, end: CalendarDate, organizerEmail: String, attendeeEmail: String, attendeeName: String) {
        self.method = method
        self.uid = uid
        self.sequence = sequence
        self.summary = summary
        self.location = location
        self.description = description
        self.start = start
        self.end = end
        self.organizerEmail = organizerEmail
        self.attendeeEmail = attendeeEmail
        self.attendeeName = attendeeName
    }

    /// The UID an assignment keeps for its whole life (the same as its feed event's).
    public static func uid(assignmentID: Int64) -> String { "assignment-\(assignmentID)@baton" }

    /// The whole `VCALENDAR`, lines ending in CRLF and folded at 75 octets.
    /// `stamp` is `ICalendar.stamp(_:)` of the moment it is written.
    public func document(stamp: String) -> String {
        let end = max(self.end.adding(days: 1), start.adding(days: 1))
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Baton//Assignments//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:" + method.rawValue,
            "BEGIN:VEVENT",
            "UID:" + ICalendar.escapeText(uid),
            "SEQUENCE:\(max(0, sequence))",
            "DTSTAMP:" + ICalendar.escapeText(stamp),
            "DTSTART;VALUE=DATE:" + ICalendar.dateValue(start),
            "DTEND;VALUE=DATE:" + ICalendar.dateValue(end),
            "SUMMARY:" + ICalendar.escapeText(summary),
        ]
        if let location, !location.isEmpty { lines.append("LOCATION:" + ICalendar.escapeText(location)) }
        if let description, !description.isEmpty { lines.append("DESCRIPTION:" + ICalendar.escapeText(description)) }
        lines += [
            "ORGANIZER:mailto:" + Self.address(organizerEmail),
            "ATTENDEE;CN=\"\(Self.parameter(attendeeName))\";ROLE=REQ-PARTICIPANT:mailto:" + Self.address(attendeeEmail),
            "STATUS:" + (method == .cancel ? "CANCELLED" : "CONFIRMED"),
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        return lines.map { ICalendar.fold($0) + "\r\n" }.joined()
    }

    /// An address with nothing that could end the line or the value.
    static func address(_ email: String) -> String {
        String(email.unicodeScalars.filter { $0.value > 0x20 && $0 != ";" && $0 != ":" && $0 != "," && $0 != "\"" && $0.value != 0x7F }
            .map(Character.init))
    }

    /// A quoted parameter value (RFC 5545 §3.2): no double quotes or control characters.
    static func parameter(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\"" && $0.value != 0x7F }.map(Character.init))
    }
}

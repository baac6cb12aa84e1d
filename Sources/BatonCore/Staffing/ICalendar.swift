import Dates
import Foundation

/// One all-day event of a calendar feed: an assignment, with where to show up.
public struct CalendarEvent: Sendable, Equatable {
    /// Stable across feed refreshes (`"assignment-42@baton"`), so that calendar apps
    /// update the event instead of adding a copy.
    public var uid: String
    public var summary: String
    public var location: String?
    public var description: String?
    public var start: CalendarDate
    /// The day after the last day, which is what DTEND means for all-day events and
    /// the same convention as a booking's end.
    public var endExclusive: CalendarDate
    /// When this copy of the event was written, in UTC basic format, `"20261127T090000Z"`
    /// (`ICalendar.stamp(_:)` makes one from a `Date`).
    public var stamp: String

    public init(uid: String, summary: String, location: String? = nil, description: String? = nil,
                start: CalendarDate, endExclusive: CalendarDate, stamp: String) {
        self.uid = uid
        self.summary = summary
        self.location = location
        self.description = description
        self.start = start
        self.endExclusive = endExclusive
        self.stamp = stamp
    }
}

/// Writes iCalendar (RFC 5545) documents: the feed a person subscribes to.
///
/// Pure text in, text out. Lines end in CRLF and are folded at 75 octets, as the RFC
/// requires; calendar apps reject or mangle feeds that get either wrong.
public enum ICalendar {
    /// A whole `VCALENDAR` with one `VEVENT` per event, in the order given.
    /// Events without a location or description leave those lines out.
    public static func document(name: String, events: [CalendarEvent]) -> String {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Baton//Assignments//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:" + escapeText(name),
        ]
        for event in events {
            // An all-day event lasts at least its first day: DTEND must be after DTSTART.
            let end = max(event.endExclusive, event.start.adding(days: 1))
            lines += [
                "BEGIN:VEVENT",
                "UID:" + escapeText(event.uid),
                // Escaping is a no-op on a well-formed stamp and keeps a malformed one
                // from breaking the line structure.
                "DTSTAMP:" + escapeText(event.stamp),
                "DTSTART;VALUE=DATE:" + dateValue(event.start),
                "DTEND;VALUE=DATE:" + dateValue(end),
                "SUMMARY:" + escapeText(event.summary),
            ]
            if let location = event.location, !location.trimmed.isEmpty {
                lines.append("LOCATION:" + escapeText(location))
            }
            if let description = event.description, !description.trimmed.isEmpty {
                lines.append("DESCRIPTION:" + escapeText(description))
            }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map { fold($0) + "\r\n" }.joined()
    }

    /// A TEXT value escaped (RFC 5545 §3.3.11): backslash, semicolon and comma get a
    /// backslash, and each line break (CRLF, CR or LF) becomes `\n`. Other control
    /// characters than tab are not allowed in TEXT and are dropped.
    public static func escapeText(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case ";": out.append(contentsOf: #"\;"#.unicodeScalars)
            case ",": out.append(contentsOf: #"\,"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\n": if !previousWasCR { out.append(contentsOf: #"\n"#.unicodeScalars) }
            case "\t": out.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: continue
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// One content line folded (RFC 5545 §3.1): no physical line longer than 75 octets,
    /// each continuation starting with one space, breaks only between whole Unicode
    /// scalars so that no UTF-8 sequence is split. Returned without the final CRLF.
    public static func fold(_ line: String) -> String {
        var out = ""
        var current = ""
        var octets = 0
        // The first line holds 75 octets; a continuation's leading space takes one.
        var limit = 75
        for scalar in line.unicodeScalars {
            let size = UTF8.width(scalar)
            if octets + size > limit {
                out += current + "\r\n "
                current = ""
                octets = 0
                limit = 74
            }
            current.unicodeScalars.append(scalar)
            octets += size
        }
        return out + current
    }

    /// A DATE value: `20260401`.
    public static func dateValue(_ date: CalendarDate) -> String {
        date.description.replacingOccurrences(of: "-", with: "")
    }

    /// A DTSTAMP value for an instant, in UTC basic format: `"20261127T090000Z"`.
    /// Fractions of a second are dropped.
    public static func stamp(_ instant: Date) -> String {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        // Floor division, so that instants before 1970 land on the right day too.
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return dateValue(CalendarDate(daysSinceEpoch: days)) + "T"
            + two(secondOfDay / 3600) + two(secondOfDay / 60 % 60) + two(secondOfDay % 60) + "Z"
    }
}

extension CalendarEvent {
    /// A person's approved time off as their feed shows it: all day from the first
    /// day to the last (included), "Time off (vacation)", with the hours for a part day.
    public static func timeOff(id: Int64, kind: TimeOffKind, start: CalendarDate, end: CalendarDate, hoursPerDay: Decimal?,
                               stamp: String) -> CalendarEvent {
        CalendarEvent(
            uid: "time-off-\(id)@baton", summary: "Time off (\(kind.rawValue))", location: nil,
            description: hoursPerDay.map { "\(DecimalString($0)) h off each working day." } ?? "Whole days off.",
            start: start, endExclusive: end.adding(days: 1), stamp: stamp)
    }
}

import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// The physical lines of a document, split on CRLF as raw bytes, so that a fold that
/// broke a UTF-8 sequence shows up as an undecodable line.
private func physicalLines(_ document: String) -> [[UInt8]] {
    let bytes = Array(document.utf8)
    var lines: [[UInt8]] = []
    var current: [UInt8] = []
    var i = 0
    while i < bytes.count {
        if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 {
            lines.append(current)
            current = []
            i += 2
        } else {
            current.append(bytes[i])
            i += 1
        }
    }
    #expect(current.isEmpty, "the document ends with CRLF")
    return lines
}

/// Unfolding (RFC 5545 §3.1): a CRLF followed by one space is removed. Done on
/// Unicode scalars, since a fold may fall inside a grapheme cluster (an emoji with a
/// skin tone), where a Character-based search would not see the space.
private func unfold(_ document: String) -> [String] {
    var lines: [String] = []
    var current = String.UnicodeScalarView()
    let scalars = Array(document.unicodeScalars)
    var i = 0
    while i < scalars.count {
        if scalars[i] == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" {
            if i + 2 < scalars.count, scalars[i + 2] == " " {
                i += 3
            } else {
                lines.append(String(current))
                current = String.UnicodeScalarView()
                i += 2
            }
        } else {
            current.append(scalars[i])
            i += 1
        }
    }
    return lines
}

/// The inverse of TEXT escaping, for checking that nothing is lost.
private func unescape(_ text: String) -> String {
    var out = ""
    var escaping = false
    for c in text {
        if escaping {
            out.append(c == "n" || c == "N" ? "\n" : c)
            escaping = false
        } else if c == "\\" {
            escaping = true
        } else {
            out.append(c)
        }
    }
    return out
}

private let assignment = CalendarEvent(
    uid: "assignment-42@baton", summary: "Network engineer: Northwind rollout",
    location: "12 Harbor Rd, Portland, OR", description: "Ask for Dana at the front desk",
    start: date("2026-04-01"), endExclusive: date("2026-04-15"), stamp: "20261127T090000Z")

@Suite struct ICalendarTests {
    @Test func theWholeDocument() {
        let doc = ICalendar.document(name: "Kim's assignments", events: [assignment])
        #expect(doc == [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Baton//Assignments//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Kim's assignments",
            "BEGIN:VEVENT",
            "UID:assignment-42@baton",
            "DTSTAMP:20261127T090000Z",
            "DTSTART;VALUE=DATE:20260401",
            "DTEND;VALUE=DATE:20260415",
            "SUMMARY:Network engineer: Northwind rollout",
            "LOCATION:12 Harbor Rd\\, Portland\\, OR",
            "DESCRIPTION:Ask for Dana at the front desk",
            "END:VEVENT",
            "END:VCALENDAR",
        ].map { $0 + "\r\n" }.joined())
    }

    @Test func crlfEverywhere() {
        let doc = ICalendar.document(name: "Two\nlines", events: [assignment, assignment])
        let bytes = Array(doc.utf8)
        for (i, b) in bytes.enumerated() {
            if b == 10 { #expect(i > 0 && bytes[i - 1] == 13, "every LF follows a CR") }
            if b == 13 { #expect(i + 1 < bytes.count && bytes[i + 1] == 10, "every CR precedes an LF") }
        }
        #expect(doc.hasSuffix("END:VCALENDAR\r\n"))
        #expect(unfold(doc).contains("X-WR-CALNAME:Two\\nlines"))
    }

    @Test func oneEventPerAssignment() {
        let events = (1...3).map { n in
            CalendarEvent(uid: "assignment-\(n)@baton", summary: "Job \(n)", start: date("2026-05-0\(n)"),
                          endExclusive: date("2026-05-1\(n)"), stamp: "20260401T120000Z")
        }
        let lines = unfold(ICalendar.document(name: "Kim", events: events))
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 3)
        #expect(lines.filter { $0 == "END:VEVENT" }.count == 3)
        #expect(lines.filter { $0.hasPrefix("UID:") } == ["UID:assignment-1@baton", "UID:assignment-2@baton", "UID:assignment-3@baton"])
        #expect(lines.filter { $0.hasPrefix("DTSTART") }.last == "DTSTART;VALUE=DATE:20260503")
        #expect(lines.filter { $0.hasPrefix("DTEND") }.last == "DTEND;VALUE=DATE:20260513")
        // No location or description given: no such lines.
        #expect(!lines.contains { $0.hasPrefix("LOCATION") || $0.hasPrefix("DESCRIPTION") })
        #expect(ICalendar.document(name: "Empty", events: []).components(separatedBy: "VEVENT").count == 1)
    }

    @Test func allDayDatesAndTheirEnd() {
        #expect(ICalendar.dateValue(date("0999-01-02")) == "09990102")
        // A one-day event ends the next day; an end not after the start still gives one day.
        let sameDay = CalendarEvent(uid: "x", summary: "Site visit", start: date("2026-12-31"),
                                    endExclusive: date("2026-12-31"), stamp: "20261127T090000Z")
        let lines = unfold(ICalendar.document(name: "K", events: [sameDay]))
        #expect(lines.contains("DTSTART;VALUE=DATE:20261231"))
        #expect(lines.contains("DTEND;VALUE=DATE:20270101"))
    }

    @Test func textEscaping() {
        #expect(ICalendar.escapeText(#"a\b;c,d"#) == #"a\\b\;c\,d"#)
        #expect(ICalendar.escapeText("one\ntwo\r\nthree\rfour") == #"one\ntwo\nthree\nfour"#)
        #expect(ICalendar.escapeText("tab\there\u{0}\u{7}\u{7F}") == "tab\there")
        #expect(ICalendar.escapeText("Zürich: 東京") == "Zürich: 東京")
        let event = CalendarEvent(uid: "a,b", summary: "Fix; test, ship\\done", location: "Line 1\nLine 2",
                                  start: date("2026-04-01"), endExclusive: date("2026-04-02"), stamp: "20260401T000000Z")
        let lines = unfold(ICalendar.document(name: "K", events: [event]))
        #expect(lines.contains(#"UID:a\,b"#))
        #expect(lines.contains(#"SUMMARY:Fix\; test\, ship\\done"#))
        #expect(lines.contains(#"LOCATION:Line 1\nLine 2"#))
    }

    @Test func foldingAtSeventyFiveOctets() {
        let exactly75 = String(repeating: "x", count: 75)
        #expect(ICalendar.fold(exactly75) == exactly75)
        #expect(ICalendar.fold(exactly75 + "y") == exactly75 + "\r\n y")
        // Continuations hold 74 octets after their space.
        let long = String(repeating: "a", count: 75 + 74 + 1)
        #expect(ICalendar.fold(long) == String(repeating: "a", count: 75) + "\r\n " + String(repeating: "a", count: 74) + "\r\n a")
        // A 3-byte character that would cross the limit moves whole to the next line.
        let crossing = String(repeating: "x", count: 73) + "東"
        #expect(ICalendar.fold(crossing) == String(repeating: "x", count: 73) + "\r\n 東")
    }

    @Test func aLongUnicodeDescriptionFoldsByOctetsAndUnfoldsBack() throws {
        let description = String(repeating: "Zürich → 東京, façade; naïve 👩🏽‍💻 café\\résumé\n", count: 12)
        let event = CalendarEvent(uid: "u", summary: "S", description: description, start: date("2026-04-01"),
                                  endExclusive: date("2026-04-02"), stamp: "20260401T000000Z")
        let doc = ICalendar.document(name: "K", events: [event])
        let physical = physicalLines(doc)
        #expect(physical.count > 20, "the description was folded")
        for line in physical {
            #expect(line.count <= 75)
            #expect(String(validating: line, as: UTF8.self) != nil, "no UTF-8 sequence split")
        }
        let unfolded = unfold(doc)
        let line = try #require(unfolded.first { $0.hasPrefix("DESCRIPTION:") })
        #expect(line == "DESCRIPTION:" + ICalendar.escapeText(description))
        #expect(unescape(String(line.dropFirst("DESCRIPTION:".count))) == description)
    }

    @Test func stampsAreUTCBasicFormat() {
        let day = date("2026-11-27").daysSinceEpoch
        let instant = Date(timeIntervalSince1970: TimeInterval(day * 86_400 + 9 * 3600) + 0.75)
        #expect(ICalendar.stamp(instant) == "20261127T090000Z")
        #expect(ICalendar.stamp(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(ICalendar.stamp(Date(timeIntervalSince1970: -1)) == "19691231T235959Z")
        #expect(ICalendar.stamp(Date(timeIntervalSince1970: TimeInterval(day * 86_400 + 86_399))) == "20261127T235959Z")
    }
}

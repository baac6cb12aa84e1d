import Dates
import Foundation

/// A public holiday of a holiday calendar.
public struct Holiday: Sendable, Equatable, Codable {
    public var day: CalendarDate
    public var name: String

    public init(day: CalendarDate, name: String) {
        (self.day, self.name) = (day, name)
    }
}

/// What an import read: the holidays, and each line it could not use, said so a
/// person can fix the file. Nothing is imported while there are problems.
public struct HolidayImportResult: Sendable, Equatable {
    public var holidays: [Holiday]
    public var problems: [String]
}

/// Reads a holiday calendar from the files firms have: an iCalendar file (each
/// all-day `VEVENT`, `DTSTART;VALUE=DATE:20261225` with its `SUMMARY`; a multi-day
/// event gives one holiday per day up to its exclusive `DTEND`) or a CSV file of
/// `date,name` lines (ISO dates; a header line is optional).
public enum HolidayImport {
    /// At most this many days per event, so a malformed `DTEND` cannot make millions.
    static let longestEvent = 31

    /// Reads either format, told apart by the iCalendar's `BEGIN:VCALENDAR`.
    public static func read(_ text: String) -> HolidayImportResult {
        let trimmed = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if trimmed.isEmpty { return HolidayImportResult(holidays: [], problems: ["The file has no holidays"]) }
        return trimmed.uppercased().hasPrefix("BEGIN:VCALENDAR") ? iCalendar(text) : csv(text)
    }

    public static func iCalendar(_ text: String) -> HolidayImportResult {
        // Unfold (RFC 5545 3.1): a line starting with a space or tab continues the last.
        var lines: [String] = []
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if let first = line.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1] += line.dropFirst()
            } else {
                lines.append(line)
            }
        }
        var holidays: [Holiday] = []
        var problems: [String] = []
        var inEvent = false
        var start: CalendarDate?
        var end: CalendarDate?
        var summary: String?
        var timed = false
        var eventNumber = 0
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let head = line[..<colon].uppercased()
            let value = String(line[line.index(after: colon)...])
            let name = head.split(separator: ";").first.map(String.init) ?? head
            switch (name, value.uppercased()) {
            case ("BEGIN", "VEVENT"):
                inEvent = true; start = nil; end = nil; summary = nil; timed = false
                eventNumber += 1
            case ("END", "VEVENT"):
                inEvent = false
                let label = summary.map { "Event \(eventNumber) (\($0))" } ?? "Event \(eventNumber)"
                guard let first = start, !timed else {
                    problems.append("\(label): needs an all-day DTSTART;VALUE=DATE:YYYYMMDD")
                    continue
                }
                guard let title = summary?.trimmingCharacters(in: .whitespaces), !title.isEmpty, title.count <= 200 else {
                    problems.append("\(label): needs a SUMMARY of 1 to 200 characters")
                    continue
                }
                let last = max(end ?? first.adding(days: 1), first.adding(days: 1))
                guard first.days(until: last) <= longestEvent else {
                    problems.append("\(label): lasts more than \(longestEvent) days")
                    continue
                }
                var day = first
                while day < last {
                    holidays.append(Holiday(day: day, name: title))
                    day = day.adding(days: 1)
                }
            case ("DTSTART", _) where inEvent:
                start = basicDate(value)
                timed = value.contains("T") || start == nil
            case ("DTEND", _) where inEvent:
                end = basicDate(value)
            case ("SUMMARY", _) where inEvent:
                summary = unescape(value)
            default:
                continue
            }
        }
        if eventNumber == 0 { problems.append("The file has no VEVENT") }
        return finish(holidays, problems)
    }

    public static func csv(_ text: String) -> HolidayImportResult {
        let table: CSVTable
        do { table = try CSV.parse(text) } catch { return HolidayImportResult(holidays: [], problems: [error.description]) }
        var rows = table.records
        // The header is optional: a first line that starts with a digit is a holiday (or a wrong date).
        if let first = table.header.first?.trimmingCharacters(in: .whitespaces).first, first.isASCII, first.isNumber {
            rows.insert(CSVRecord(line: 1, fields: table.header), at: 0)
        }
        var holidays: [Holiday] = []
        var problems: [String] = []
        for row in rows {
            let date = row.fields.first?.trimmingCharacters(in: .whitespaces) ?? ""
            let name = row.fields.dropFirst().first?.trimmingCharacters(in: .whitespaces) ?? ""
            guard let day = CalendarDate(date), (1900...9000).contains(day.year) else {
                problems.append("Line \(row.line): \"\(date.prefix(40))\" is not a date like 2026-12-25")
                continue
            }
            guard !name.isEmpty, name.count <= 200 else {
                problems.append("Line \(row.line): the holiday needs a name of 1 to 200 characters")
                continue
            }
            holidays.append(Holiday(day: day, name: name))
        }
        if rows.isEmpty { problems.append("The file has no holidays") }
        return finish(holidays, problems)
    }

    /// One holiday per day, sorted; a day listed twice keeps its first name.
    static func finish(_ holidays: [Holiday], _ problems: [String]) -> HolidayImportResult {
        var seen: Set<CalendarDate> = []
        let unique = holidays.filter { seen.insert($0.day).inserted }.sorted { $0.day < $1.day }
        return HolidayImportResult(holidays: unique, problems: problems)
    }

    /// `20261225` (the date form of DATE values); nil for anything else.
    static func basicDate(_ value: String) -> CalendarDate? {
        let digits = value.prefix(8)
        guard digits.count == 8, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let y = Int(digits.prefix(4)), let m = Int(digits.dropFirst(4).prefix(2)), let d = Int(digits.suffix(2)),
              (1900...9000).contains(y) else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }

    static func unescape(_ text: String) -> String {
        var out = ""
        var escaping = false
        for c in text {
            if escaping {
                out.append(c == "n" || c == "N" ? " " : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// What the recurring revenue reports are asked, read the same way by the API and the
/// page so both answer with the same defaults: the MRR movement over the twelve months to
/// the end of this one, retention over the four fiscal quarters to this one, renewals
/// ending in the next 90 days. `format=csv` answers the lines as a CSV file.
struct RecurringRevenueQuestion: Sendable {
    var from, to: CalendarDate
    var by: RecurringRevenueGrouping
    var csv: Bool

    init(_ q: QueryParameters, today: CalendarDate) throws {
        by = try q.enumeration("by", RecurringRevenueGrouping.self) ?? .month
        let thisMonth = CalendarDate(year: today.year, month: today.month, day: 1) ?? today
        to = try q.date("to") ?? Self.nextMonth(thisMonth).adding(days: -1)
        from = try q.date("from") ?? Self.months(11, before: thisMonth)
        guard from <= to else { throw ValidationFailure("to", "The end date cannot be before the start date; pick a later To.") }
        guard from.days(until: to) <= 3660 else { throw ValidationFailure("to", "A report covers at most ten years; pick a shorter range.") }
        csv = try q.enumeration("format", ProfitabilityFormat.self) == .csv
    }

    static func nextMonth(_ first: CalendarDate) -> CalendarDate {
        CalendarDate(year: first.month == 12 ? first.year + 1 : first.year, month: first.month % 12 + 1, day: 1) ?? first.adding(days: 31)
    }

    static func months(_ n: Int, before first: CalendarDate) -> CalendarDate {
        let index = first.year * 12 + first.month - 1 - n
        return CalendarDate(year: index / 12, month: index % 12 + 1, day: 1) ?? first
    }

    /// `[from, to]` cut at each month's first day: the first and last windows may be part months.
    var windows: [(from: CalendarDate, toExclusive: CalendarDate)] {
        var result: [(from: CalendarDate, toExclusive: CalendarDate)] = []
        let end = to.adding(days: 1)
        var start = from
        while start < end {
            let next = min(Self.nextMonth(CalendarDate(year: start.year, month: start.month, day: 1) ?? start), end)
            result.append((start, next))
            start = next
        }
        return result
    }

    func report(_ services: AppServices, caller: Caller, today _: CalendarDate) async throws -> (RecurringRevenueReport, ReportReader.Source) {
        let (entries, source) = try await services.reportReader.read { try await RecurringRevenueStore().book($0, caller: caller, startedBy: to) }
        return (build(entries), source)
    }

    /// The lines of the grouping asked, from the book: each month's movement, or each
    /// account's (or owner's accounts') months added up; the total is every account's.
    func build(_ entries: [RecurringRevenueStore.Entry]) -> RecurringRevenueReport {
        let book = entries.map(\.book)
        let windows = windows
        let perAccount = RecurringRevenue.movements(book, over: windows)
        let accounts = Dictionary(entries.map { ($0.book.accountId, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [RecurringRevenueLine]
        switch by {
        case .month:
            lines = windows.map { w in
                RecurringRevenueLine(label: String(w.from.description.prefix(7)), id: nil,
                                     RecurringRevenue.sum(RecurringRevenue.movements(book, from: w.from, toExclusive: w.toExclusive).values))
            }
        case .account:
            lines = perAccount.map { RecurringRevenueLine(label: accounts[$0.key]?.accountName ?? "", id: $0.key, $0.value) }
        case .owner:
            let byOwner = Dictionary(grouping: perAccount) { accounts[$0.key]?.ownerID }
            lines = byOwner.map { owner, movements in
                let name = movements.first.flatMap { accounts[$0.key]?.ownerName } ?? "No owner"
                return RecurringRevenueLine(label: name, id: owner, RecurringRevenue.sum(movements.map(\.value)))
            }
        }
        if by != .month { lines.sort { ($0.label, $0.id ?? 0) < ($1.label, $1.id ?? 0) } }
        return RecurringRevenueReport(from: from, to: to, by: by.rawValue, lines: lines,
                                      total: RecurringRevenueLine(label: "Total", id: nil, RecurringRevenue.sum(perAccount.values)))
    }

    func csvResponse(_ r: RecurringRevenueReport) -> Response {
        RecurringRevenueCSV.response(header: RecurringRevenueLine.csvHeader, rows: r.lines.map(\.csvRow), filename: "recurring-revenue-\(by.rawValue).csv")
    }
}

/// Gross and net revenue retention for each fiscal quarter that overlaps `[from, to]`.
struct RetentionQuestion: Sendable {
    var from, to: CalendarDate
    var csv: Bool

    init(_ q: QueryParameters, calendar: FiscalCalendar, today: CalendarDate) throws {
        let current = calendar.period(containing: today, kind: .quarter)
        to = try q.date("to") ?? current.lastDay
        from = try q.date("from") ?? current.start.adding(days: -270)
        guard from <= to else { throw ValidationFailure("to", "The end date cannot be before the start date; pick a later To.") }
        guard from.days(until: to) <= 3660 else { throw ValidationFailure("to", "A report covers at most ten years; pick a shorter range.") }
        csv = try q.enumeration("format", ProfitabilityFormat.self) == .csv
    }

    func quarters(_ calendar: FiscalCalendar) -> [FiscalPeriod] {
        var result: [FiscalPeriod] = []
        var quarter = calendar.period(containing: from, kind: .quarter)
        while quarter.start <= to {
            result.append(quarter)
            quarter = calendar.period(containing: quarter.endExclusive, kind: .quarter)
        }
        return result
    }

    func report(_ services: AppServices, caller: Caller, today _: CalendarDate) async throws -> (RetentionReport, ReportReader.Source) {
        let quarters = quarters(services.quotas.calendar)
        let last = quarters.last?.lastDay ?? to
        let (entries, source) = try await services.reportReader.read { try await RecurringRevenueStore().book($0, caller: caller, startedBy: last) }
        let book = entries.map(\.book)
        return (RetentionReport(quarters: quarters.map { q in
            let m = RecurringRevenue.sum(RecurringRevenue.movements(book, from: q.start, toExclusive: q.endExclusive).values)
            return RetentionQuarter(quarter: q.key, from: q.start, to: q.lastDay, opening: Money(m.opening), churn: Money(m.churn),
                                    contraction: Money(m.contraction), expansion: Money(m.expansion), new: Money(m.new),
                                    closing: Money(m.closing), grossRetention: m.grossRetention.map(DecimalString.init),
                                    netRetention: m.netRetention.map(DecimalString.init))
        }), source)
    }

    func csvResponse(_ r: RetentionReport) -> Response {
        RecurringRevenueCSV.response(header: RetentionQuarter.csvHeader, rows: r.quarters.map(\.csvRow), filename: "retention.csv")
    }
}

/// The live agreements ending within 30, 60 or 90 days (`within`, 90 unless asked).
struct RenewalsDueQuestion: Sendable {
    var within: Int
    var csv: Bool

    init(_ q: QueryParameters) throws {
        within = 90
        if let text = q.string("within") {
            guard let n = Int(text), [30, 60, 90].contains(n) else { throw ValidationFailure("within", "within must be 30, 60 or 90 days") }
            within = n
        }
        csv = try q.enumeration("format", ProfitabilityFormat.self) == .csv
    }

    func report(_ services: AppServices, caller: Caller, today: CalendarDate) async throws -> (RenewalsDueReport, ReportReader.Source) {
        let within = within
        let (rows, source) = try await services.reportReader.read {
            try await RecurringRevenueStore().renewalsDue($0, caller: caller, today: today, within: within)
        }
        return (RenewalsDueReport(today: today, within: within, within30: rows.count { $0.daysLeft <= 30 },
                                  within60: rows.count { $0.daysLeft <= 60 }, within90: rows.count { $0.daysLeft <= 90 }, renewals: rows), source)
    }

    func csvResponse(_ r: RenewalsDueReport) -> Response {
        RecurringRevenueCSV.response(header: RenewalDue.csvHeader, rows: r.renewals.map(\.csvRow), filename: "renewals-due.csv")
    }
}

/// The three reports' CSV, as an attachment named for the report.
enum RecurringRevenueCSV {
    static func response(header: [String], rows: [[String]], filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: CSV.write(header: header, rows: rows))))
    }
}

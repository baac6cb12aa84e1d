import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private let calendarYears = FiscalCalendar()
private let aprilYears = FiscalCalendar(startMonth: 4)

private func span(_ p: FiscalPeriod) -> String { "\(p.start)…\(p.endExclusive)" }

private func messages(_ key: String, in calendar: FiscalCalendar = calendarYears) -> [FieldError] {
    do {
        _ = try calendar.period(key: key, field: "periodKey")
        return []
    } catch {
        return error.errors
    }
}

@Suite struct FiscalPeriodTests {
    // MARK: Keys, calendar years

    @Test func keysNameYearsQuartersAndMonths() throws {
        let year = try calendarYears.period(key: "2026")
        #expect(year == FiscalPeriod(kind: .year, key: "2026", start: date("2026-01-01"), endExclusive: date("2027-01-01")))
        let q1 = try calendarYears.period(key: "2026-Q1")
        #expect(q1.kind == .quarter && span(q1) == "2026-01-01…2026-04-01")
        #expect(span(try calendarYears.period(key: "2026-Q4")) == "2026-10-01…2027-01-01")
        let march = try calendarYears.period(key: "2026-03")
        #expect(march.kind == .month && span(march) == "2026-03-01…2026-04-01")
        #expect(span(try calendarYears.period(key: "2026-12")) == "2026-12-01…2027-01-01")
    }

    @Test func keysAreReadLeniently_butWrittenCanonically() throws {
        #expect(try calendarYears.period(key: " 2026-q2 ").key == "2026-Q2")
        #expect(try calendarYears.period(key: "2026-03\n").key == "2026-03")
    }

    @Test func badKeysSayWhatAKeyLooksLike() {
        #expect(messages("2026-Q5") == [FieldError("periodKey", "Quarter must be Q1, Q2, Q3 or Q4; got \"2026-Q5\"")])
        #expect(messages("2026-Q0").first?.message.contains("Q1, Q2, Q3 or Q4") == true)
        #expect(messages("2026-13") == [FieldError("periodKey", "Month must be from 01 to 12; got \"2026-13\"")])
        #expect(messages("2026-00").first?.message.contains("01 to 12") == true)
        #expect(messages("abc") == [FieldError("periodKey", "Period must be a year (2026), a quarter (2026-Q1) or a month (2026-03); got \"abc\"")])
        #expect(messages("").first?.message.hasSuffix("it is empty") == true)
        #expect(messages("2026-3").first?.message.contains("two digits") == true)
        #expect(messages("2026-Q").first?.message.contains("like 2026-Q1") == true)
        #expect(messages("2026-Q12").first?.message.contains("like 2026-Q1") == true)
        #expect(messages("0000").first?.message.contains("0001 to 9999") == true)
        for bad in ["26", "20266", "2026-", "2026-03-01", "-2026", "2026-H1", "2026-+3", "２０２６"] {
            #expect(messages(bad).count == 1, "\(bad) should be refused")
        }
        // The default field is `key`, as in POST /periods.
        #expect(throws: ValidationFailure("key", "Quarter must be Q1, Q2, Q3 or Q4; got \"2026-Q5\"")) {
            try calendarYears.period(key: "2026-Q5")
        }
    }

    // MARK: April fiscal years

    @Test func aprilYearsAreNamedByTheYearTheyEndIn() throws {
        #expect(span(try aprilYears.period(key: "2026")) == "2025-04-01…2026-04-01")
        #expect(aprilYears.quarters(of: 2026).map(span) == [
            "2025-04-01…2025-07-01", "2025-07-01…2025-10-01", "2025-10-01…2026-01-01", "2026-01-01…2026-04-01",
        ])
        // A month key is always the calendar month, whatever the fiscal start.
        #expect(span(try aprilYears.period(key: "2026-03")) == "2026-03-01…2026-04-01")
    }

    @Test func theBoundaryBetweenAprilYears() {
        let lastDay = date("2026-03-31"), firstDay = date("2026-04-01")
        #expect(aprilYears.period(containing: lastDay, kind: .year).key == "2026")
        #expect(aprilYears.period(containing: firstDay, kind: .year).key == "2027")
        #expect(aprilYears.period(containing: lastDay, kind: .quarter).key == "2026-Q4")
        #expect(aprilYears.period(containing: firstDay, kind: .quarter).key == "2027-Q1")
        #expect(aprilYears.period(containing: date("2025-12-31"), kind: .quarter).key == "2026-Q3")
        #expect(aprilYears.period(containing: date("2026-01-01"), kind: .quarter).key == "2026-Q4")
        #expect(aprilYears.period(containing: lastDay, kind: .month).key == "2026-03")
        #expect(aprilYears.period(containing: firstDay, kind: .month).key == "2026-04")
    }

    @Test func theBoundariesOfCalendarQuarters() {
        #expect(calendarYears.period(containing: date("2026-03-31"), kind: .quarter).key == "2026-Q1")
        #expect(calendarYears.period(containing: date("2026-04-01"), kind: .quarter).key == "2026-Q2")
        #expect(calendarYears.period(containing: date("2026-12-31"), kind: .quarter).key == "2026-Q4")
        #expect(calendarYears.period(containing: date("2027-01-01"), kind: .year).key == "2027")
        let q1 = calendarYears.quarter(1, of: 2026)
        #expect(q1.contains(date("2026-01-01")) && q1.contains(date("2026-03-31")))
        #expect(!q1.contains(date("2025-12-31")) && !q1.contains(date("2026-04-01")))
        #expect(q1.lastDay == date("2026-03-31"))
    }

    @Test func decemberAndJulyStarts() {
        let december = FiscalCalendar(startMonth: 12)
        #expect(span(december.year(2026)) == "2025-12-01…2026-12-01")
        #expect(december.period(containing: date("2025-12-15"), kind: .quarter).key == "2026-Q1")
        #expect(december.period(containing: date("2026-02-28"), kind: .quarter).key == "2026-Q1")
        #expect(december.period(containing: date("2026-03-01"), kind: .quarter).key == "2026-Q2")
        #expect(december.period(containing: date("2026-11-30"), kind: .quarter).key == "2026-Q4")
        let july = FiscalCalendar(startMonth: 7)
        #expect(span(july.quarter(3, of: 2026)) == "2026-01-01…2026-04-01")
    }

    // MARK: Leap years

    @Test func februaryInLeapYears() throws {
        let feb2024 = try calendarYears.period(key: "2024-02")
        #expect(feb2024.lastDay == date("2024-02-29") && feb2024.contains(date("2024-02-29")))
        #expect(feb2024.start.days(until: feb2024.endExclusive) == 29)
        #expect(try calendarYears.period(key: "2026-02").lastDay == date("2026-02-28"))
        #expect(try calendarYears.period(key: "2100-02").lastDay == date("2100-02-28"))  // not a leap year
        #expect(try calendarYears.period(key: "2000-02").lastDay == date("2000-02-29"))  // divisible by 400
        let q1 = calendarYears.period(containing: date("2024-02-29"), kind: .quarter)
        #expect(q1.key == "2024-Q1" && q1.start.days(until: q1.endExclusive) == 91)
        #expect(calendarYears.year(2024).start.days(until: calendarYears.year(2024).endExclusive) == 366)
        // April fiscal 2024 holds February 2024 (a leap February); fiscal 2025 does not.
        #expect(aprilYears.year(2024).start.days(until: aprilYears.year(2024).endExclusive) == 366)
        #expect(aprilYears.year(2025).start.days(until: aprilYears.year(2025).endExclusive) == 365)
        #expect(aprilYears.period(containing: date("2024-02-29"), kind: .quarter).key == "2024-Q4")
    }

    // MARK: Months and quarters tile their periods

    @Test func monthsOfPeriods() throws {
        #expect(calendarYears.months(of: calendarYears.year(2026)).map(\.key) == (1...12).map { String(format: "2026-%02d", $0) })
        #expect(aprilYears.months(of: aprilYears.year(2026)).map(\.key) == [
            "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
            "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
        ])
        #expect(aprilYears.months(of: try aprilYears.period(key: "2026-Q3")).map(\.key) == ["2025-10", "2025-11", "2025-12"])
        let march = try calendarYears.period(key: "2026-03")
        #expect(calendarYears.months(of: march) == [march])
    }

    @Test func theEdgesOfTheCalendar() throws {
        // The end of 9999 exists as an exclusive end even though no later date does.
        let last = try calendarYears.period(key: "9999-12")
        #expect(last.lastDay == date("9999-12-31") && last.contains(date("9999-12-31")))
        #expect(try calendarYears.period(key: "9999").lastDay == date("9999-12-31"))
        #expect(try aprilYears.period(key: "0001").lastDay == date("0001-03-31"))
    }

    @Test func invalidStartMonthsAreRefusedWithAReason() {
        #expect(throws: ValidationFailure.self) { try FiscalCalendar(checkingStartMonth: 13) }
        #expect(throws: ValidationFailure.self) { try FiscalCalendar(checkingStartMonth: 0) }
        #expect((try? FiscalCalendar(checkingStartMonth: 4)) == aprilYears)
    }

    @Test func periodsEncodeWithDatesAsText() throws {
        let data = try JSONEncoder().encode(calendarYears.quarter(1, of: 2026))
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object == ["kind": "quarter", "key": "2026-Q1", "start": "2026-01-01", "endExclusive": "2026-04-01"])
        #expect(try JSONDecoder().decode(FiscalPeriod.self, from: data) == calendarYears.quarter(1, of: 2026))
    }

    // MARK: Properties over random dates and every start month

    @Test func everyDateIsInExactlyTheOnePeriodThatContainsIt() throws {
        var random = SeededGenerator(seed: 2026)
        for _ in 0..<600 {
            let calendar = FiscalCalendar(startMonth: random.int(1...12))
            let day = CalendarDate(daysSinceEpoch: random.int(-3_000...40_000))
            let year = calendar.period(containing: day, kind: .year)
            let quarter = calendar.period(containing: day, kind: .quarter)
            let month = calendar.period(containing: day, kind: .month)
            for period in [year, quarter, month] {
                #expect(period.contains(day), "\(period.key) should contain \(day) (start month \(calendar.startMonth))")
                #expect(try calendar.period(key: period.key) == period, "the key \(period.key) should name the same period")
            }
            #expect(year.start <= quarter.start && quarter.endExclusive <= year.endExclusive)
            #expect(quarter.start <= month.start && month.endExclusive <= quarter.endExclusive)
            #expect(calendar.months(of: quarter).count == 3)

            // The quarters tile the year: no gap, no overlap, same ends.
            let quarters = calendar.quarters(of: Int(year.key)!)
            #expect(quarters.first?.start == year.start && quarters.last?.endExclusive == year.endExclusive)
            for (a, b) in zip(quarters, quarters.dropFirst()) { #expect(a.endExclusive == b.start) }
            #expect(quarters.filter { $0.contains(day) } == [quarter])
            let months = calendar.months(of: year)
            #expect(months.count == 12)
            for (a, b) in zip(months, months.dropFirst()) { #expect(a.endExclusive == b.start) }
        }
    }
}

import Dates
import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct CalendarDateTests {
    @Test func parsesRealDatesOnly() {
        #expect(CalendarDate("2026-02-30") == nil)
        #expect(CalendarDate("2026-02-29") == nil)
        #expect(CalendarDate("2023-02-29") == nil)
        #expect(CalendarDate("1900-02-29") == nil)  // divisible by 100, not by 400
        #expect(CalendarDate("2026-04-31") == nil)
        #expect(CalendarDate("2026-13-01") == nil)
        #expect(CalendarDate("2026-00-10") == nil)
        #expect(CalendarDate("2026-01-00") == nil)
        #expect(CalendarDate("0000-01-01") == nil)
        let leap = CalendarDate("2024-02-29")
        #expect(leap != nil)
        #expect(leap?.year == 2024 && leap?.month == 2 && leap?.day == 29)
        #expect(CalendarDate("2000-02-29") != nil)
        #expect(CalendarDate("0001-01-01") != nil)
        #expect(CalendarDate("9999-12-31") != nil)
    }

    @Test(arguments: ["2026-3-01", "2026-03-1", "20260301", "2026/03/01", " 2026-03-01", "2026-03-01 ", "2026-03-01T00:00:00Z", "", "abcd-ef-gh", "+026-03-01"])
    func refusesAnythingButYYYYMMDD(_ text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test func addingDaysCrossesMonthAndYearEnds() {
        let d = CalendarDate("2025-12-31")!
        #expect(d.adding(days: 1) == CalendarDate("2026-01-01"))
        #expect(d.adding(days: 0) == d)
        #expect(d.adding(days: 60) == CalendarDate("2026-03-01"))
        #expect(CalendarDate("2024-12-31")!.adding(days: 60) == CalendarDate("2025-03-01"))
        #expect(CalendarDate("2026-01-01")!.adding(days: -1) == CalendarDate("2025-12-31"))
        #expect(CalendarDate("2024-02-28")!.adding(days: 1) == CalendarDate("2024-02-29"))
        #expect(CalendarDate("2024-02-29")!.adding(days: 1) == CalendarDate("2024-03-01"))
        #expect(CalendarDate("2024-02-29")!.adding(days: 365) == CalendarDate("2025-02-28"))
        #expect(CalendarDate("1970-01-01")!.adding(days: -1) == CalendarDate("1969-12-31"))
        #expect(CalendarDate("2025-01-01")!.days(until: CalendarDate("2026-01-01")!) == 365)
        #expect(CalendarDate("2024-01-01")!.days(until: CalendarDate("2025-01-01")!) == 366)
        #expect(CalendarDate("2026-01-01")!.days(until: CalendarDate("2025-12-25")!) == -7)
    }

    @Test func isoWeekdayRunsMondayOneToSundaySeven() {
        #expect(CalendarDate("1970-01-01")!.isoWeekday == 4)  // Thursday
        #expect(CalendarDate("2024-02-29")!.isoWeekday == 4)  // Thursday
        #expect(CalendarDate("2026-03-01")!.isoWeekday == 7)  // Sunday
        #expect(CalendarDate("2026-03-02")!.isoWeekday == 1)  // Monday
        #expect(CalendarDate("1969-12-29")!.isoWeekday == 1)  // Monday, before the epoch
        #expect(CalendarDate("1969-12-28")!.isoWeekday == 7)  // Sunday, before the epoch
        #expect(CalendarDate("0001-01-01")!.isoWeekday == 1)  // proleptic Gregorian Monday
    }

    @Test func descriptionPadsAndRoundTrips() {
        #expect(CalendarDate(year: 1, month: 2, day: 3)?.description == "0001-02-03")
        #expect(CalendarDate(year: 2026, month: 2, day: 30) == nil)
        for days in stride(from: -719_162, through: 2_932_896, by: 997) {
            let d = CalendarDate(daysSinceEpoch: days)
            #expect(d.daysSinceEpoch == days)
            #expect(CalendarDate(d.description) == d)
        }
        #expect(CalendarDate("2026-01-31")! < CalendarDate("2026-02-01")!)
        #expect(CalendarDate("2025-12-31")! < CalendarDate("2026-01-01")!)
    }

    @Test func codableUsesTheISOText() throws {
        let d = CalendarDate("2024-02-29")!
        let json = try JSONEncoder().encode([d])
        #expect(String(decoding: json, as: UTF8.self) == #"["2024-02-29"]"#)
        #expect(try JSONDecoder().decode([CalendarDate].self, from: json) == [d])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDate].self, from: Data(#"["2026-02-30"]"#.utf8)) }
    }

    @Test func agreesWithThePostgresCalendar() async throws {
        try await withTestPool { pool in
            let rows = try await pool.runQuery(
                """
                SELECT d::date AS d, extract(isodow FROM d)::int AS dow, (d::date - date '1970-01-01') AS days
                FROM generate_series(timestamp '1600-02-25', timestamp '2401-03-05', interval '13 days 5 hours') AS d
                """)
            #expect(rows.count > 20_000)
            for row in rows {
                let date = try row.decode("d", as: CalendarDate.self)
                let days = try row.decode("days", as: Int.self)
                let dow = try row.decode("dow", as: Int.self)
                if date.daysSinceEpoch != days || date.isoWeekday != dow || CalendarDate(daysSinceEpoch: days) != date {
                    Issue.record("\(date): days \(date.daysSinceEpoch) vs \(days), weekday \(date.isoWeekday) vs \(dow)")
                    break
                }
            }
        }
    }
}

@Suite struct TimestampTests {
    @Test func parsesRFC3339AndPostgresOutput() throws {
        let utc = try #require(Timestamp(parsing: "2026-03-01T12:34:56.123456Z"))
        #expect(Timestamp(parsing: "2026-03-01 12:34:56.123456+00") == utc)
        #expect(Timestamp(parsing: "2026-03-01T12:34:56.123456z") == utc)
        #expect(Timestamp(parsing: "2026-03-01T12:34:56.123456+00:00") == utc)
        #expect(Timestamp(parsing: "2026-03-01T18:04:56.123456+05:30") == utc)
        #expect(Timestamp(parsing: "2026-03-01T18:04:56.123456+0530") == utc)
        #expect(Timestamp(parsing: "2026-03-01T04:34:56.123456-08:00") == utc)
        #expect(Timestamp(parsing: "2026-03-01T04:34:56.123456-08") == utc)
        // No zone means UTC.
        #expect(Timestamp(parsing: "2026-03-01T12:34:56.123456") == utc)
        // Fractions shorter than microseconds are scaled, longer ones truncated.
        #expect(Timestamp(parsing: "2026-03-01T12:34:56.5Z")?.microsecondsSinceEpoch
            == Timestamp(parsing: "2026-03-01T12:34:56Z")!.microsecondsSinceEpoch + 500_000)
        #expect(Timestamp(parsing: "2026-03-01T12:34:56.1234567Z") == utc)
        #expect(utc.microsecondsSinceEpoch == 1_772_368_496_123_456)
    }

    @Test func offsetCrossingMidnightMovesTheDay() throws {
        let t = try #require(Timestamp(parsing: "2026-01-01T01:00:00+05:30"))
        #expect(t.description == "2025-12-31T19:30:00Z")
        #expect(t.calendarDate == CalendarDate("2025-12-31"))
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T12:60:00Z", "2026-03-01T12:00:00.Z",
        "2026-03-01", "2026-03-01X12:00:00Z", "2026-03-01T12:00:00+5", "2026-03-01T12:00:00 UTC", "garbage",
        "2026-03-01T12:00:00Zjunk", "",
    ])
    func refusesMalformedText(_ text: String) {
        #expect(Timestamp(parsing: text) == nil)
    }

    @Test func descriptionRoundTrips() throws {
        let values: [Int64] = [
            0, 1, -1, 999_999, -1_000_000, 1_772_368_496_123_456, 1_772_368_496_000_000, 1_772_368_496_100_000,
            -62_135_596_800_000_000,  // 0001-01-01
            253_402_300_799_999_999,  // 9999-12-31T23:59:59.999999
        ]
        for micros in values {
            let t = Timestamp(microsecondsSinceEpoch: micros)
            #expect(Timestamp(parsing: t.description) == t, "\(micros) -> \(t.description)")
        }
        #expect(Timestamp(microsecondsSinceEpoch: 0).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(microsecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microsecondsSinceEpoch: 1_772_368_496_100_000).description == "2026-03-01T12:34:56.1Z")
        #expect(Timestamp(microsecondsSinceEpoch: -62_135_596_800_000_000).description == "0001-01-01T00:00:00Z")
        #expect(Timestamp(microsecondsSinceEpoch: -1).calendarDate == CalendarDate("1969-12-31"))
        #expect(Timestamp(microsecondsSinceEpoch: -86_400_000_000).calendarDate == CalendarDate("1969-12-31"))
        #expect(Timestamp(microsecondsSinceEpoch: -86_400_000_001).calendarDate == CalendarDate("1969-12-30"))
    }

    @Test func convertsToAndFromDate() {
        let t = Timestamp(microsecondsSinceEpoch: 1_772_368_496_123_456)
        #expect(Timestamp(t.date) == t)
        let date = Date(timeIntervalSince1970: 1.5)
        #expect(Timestamp(date).microsecondsSinceEpoch == 1_500_000)
        #expect(Timestamp(microsecondsSinceEpoch: 1) > Timestamp(microsecondsSinceEpoch: 0))
    }

    @Test func codableUsesRFC3339() throws {
        let t = Timestamp(microsecondsSinceEpoch: 1_772_368_496_123_456)
        let json = try JSONEncoder().encode([t])
        #expect(String(decoding: json, as: UTF8.self) == #"["2026-03-01T12:34:56.123456Z"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: json) == [t])
        let offset = try JSONDecoder().decode([Timestamp].self, from: Data(#"["2026-03-01T18:04:56.123456+05:30"]"#.utf8))
        #expect(offset == [t])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data(#"["yesterday"]"#.utf8)) }
    }
}

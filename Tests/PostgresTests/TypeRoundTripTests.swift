import Dates
import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// Sends `value` as a parameter and reads it back twice: straight through
/// `SELECT $1::type`, and stored in a column of that type and selected again.
func roundTrip<T: PostgresEncodable & PostgresDecodable>(
    _ value: T, as sqlType: String, on connection: Connection
) async throws -> (cast: T, stored: T) {
    let cast = try await connection.scalar("SELECT \(value)::\(unsafeSQL: sqlType) AS v", as: T.self)
    try await connection.query(Query(unsafeSQL: "CREATE TEMP TABLE round_trip (v \(sqlType))"))
    try await connection.query("INSERT INTO round_trip (v) VALUES (\(value))")
    let stored = try await connection.scalar("SELECT v FROM round_trip", as: T.self)
    try await connection.query("DROP TABLE round_trip")
    return (cast, stored)
}

struct Contact: Codable, Equatable, Sendable {
    struct Address: Codable, Equatable, Sendable {
        var city: String
        var lines: [String]
    }
    var name: String
    var tags: [String]
    var score: Double?
    var active: Bool
    var address: Address
    var note: String?
}

@Suite struct TypeRoundTripTests {
    @Test func integersRoundTripAtTheirLimits() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for value in [Int.min, -1, 0, 1, Int.max] {
                    let (cast, stored) = try await roundTrip(value, as: "bigint", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
                for value in [Int64.min, 0, Int64.max] {
                    let (cast, stored) = try await roundTrip(value, as: "int8", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
                for value in [Int32.min, -7, 0, Int32.max] {
                    let (cast, stored) = try await roundTrip(value, as: "integer", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
            }
        }
    }

    @Test func intTooLargeForAnIntegerColumnIsNumericOutOfRange() async throws {
        try await withTestPool { pool in
            let error = try await pgError {
                try await pool.runQuery("SELECT \(Int(Int32.max) + 1)::integer AS v")
            }
            #expect(error.code == .numericOutOfRange)
            #expect(error.sqlState == "22003")
        }
    }

    @Test func booleansRoundTrip() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for value in [true, false] {
                    let (cast, stored) = try await roundTrip(value, as: "boolean", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
                // The server's own spelling decodes too.
                #expect(try await c.scalar("SELECT 'yes'::boolean AS v", as: Bool.self) == true)
                #expect(try await c.scalar("SELECT (1 = 2) AS v", as: Bool.self) == false)
            }
        }
    }

    static let strings: [String] = [
        "",
        "plain ascii",
        "héllo wörld",
        "e\u{301}",  // e + combining acute accent, not the precomposed é
        "\u{E9}",  // precomposed é
        "🎉",
        "👩‍👩‍👧‍👦 family (ZWJ sequence)",
        "日本語のテキスト",
        "עברית and العربية",
        "tab\there\nnewline\r\ncrlf",
        "single ' double \" backslash \\ dollar $1",
        "NULL",
        "null",
        "   leading and trailing spaces   ",
    ]

    @Test(arguments: strings)
    func stringsRoundTripByteForByte(_ value: String) async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                let (cast, stored) = try await roundTrip(value, as: "text", on: c)
                // Swift's == ignores normalization; compare the exact bytes.
                #expect(Array(cast.utf8) == Array(value.utf8))
                #expect(Array(stored.utf8) == Array(value.utf8))
                let length = try await c.scalar("SELECT octet_length(\(value)::text) AS v", as: Int.self)
                #expect(length == value.utf8.count)
            }
        }
    }

    @Test func combiningAndPrecomposedAccentsStayDifferentOnTheServer() async throws {
        try await withTestPool { pool in
            let same = try await pool.scalar(
                "SELECT \("e\u{301}")::text = \("\u{E9}")::text AS v", as: Bool.self)
            #expect(same == false)
        }
    }

    @Test func stringWithNulCharacterIsRefusedNotTruncated() async throws {
        // PostgreSQL text cannot hold U+0000. Sending "a\0b" must either fail or
        // come back whole; silently storing "a" would lose data.
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (v text)")
                let value = "before\u{0}after"
                do {
                    try await c.query("INSERT INTO t (v) VALUES (\(value))")
                } catch let error as PostgresError where !error.isUnavailable {
                    #expect(error.code == .invalidText)
                    return  // refusing is fine
                }
                let stored = try await c.scalar("SELECT v FROM t", as: String.self)
                // Compared as scalar values, so that no raw NUL reaches the test output.
                #expect(stored.unicodeScalars.map(\.value) == value.unicodeScalars.map(\.value),
                        "a string with NUL was silently stored as \(stored.debugDescription.replacingOccurrences(of: "\u{0}", with: "\\0"))")
            }
        }
    }

    @Test func nullAndEmptyStringStayDistinct() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (id int PRIMARY KEY, v text)")
                try await c.query("INSERT INTO t (id, v) VALUES (1, \(String?.none)), (2, \(""))")
                try await c.query("INSERT INTO t (id, v) VALUES (3, \(Optional("")))")
                let rows = try await c.query("SELECT id, v, v IS NULL AS is_null FROM t ORDER BY id")
                #expect(rows.count == 3)
                #expect(try rows.rows[0].decode("v", as: String?.self) == nil)
                #expect(try rows.rows[0].decode("is_null", as: Bool.self) == true)
                #expect(rows.rows[0].isNull("v"))
                #expect(try rows.rows[1].decode("v", as: String?.self) == "")
                #expect(try rows.rows[1].decode("v", as: String.self) == "")
                #expect(try rows.rows[1].decode("is_null", as: Bool.self) == false)
                #expect(!rows.rows[1].isNull("v"))
                #expect(try rows.rows[2].decode("v", as: String?.self) == "")
                let counts = try await c.query(
                    "SELECT count(*) FILTER (WHERE v IS NULL) AS nulls, count(*) FILTER (WHERE v = '') AS empties FROM t")
                #expect(try counts.first?.decode("nulls", as: Int.self) == 1)
                #expect(try counts.first?.decode("empties", as: Int.self) == 2)
            }
        }
    }

    @Test(arguments: [
        ("0.01", "0.01"),
        ("99999999999.99", "99999999999.99"),
        ("-123.45", "-123.45"),
        ("0", "0.00"),
        ("-0.01", "-0.01"),
        ("12.5", "12.50"),
    ])
    func decimalsRoundTripExactlyThroughNumeric(_ input: String, _ serverText: String) async throws {
        let value = try #require(Decimal(string: input, locale: Locale(identifier: "en_US_POSIX")))
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                let (cast, stored) = try await roundTrip(value, as: "numeric(14,2)", on: c)
                #expect(cast == value)
                #expect(stored == value)
                // The server received exactly the value, not a binary approximation.
                let text = try await c.scalar("SELECT (\(value)::numeric(14,2))::text AS v", as: String.self)
                #expect(text == serverText)
                let equal = try await c.scalar(
                    "SELECT \(value)::numeric(14,2) = \(unsafeSQL: serverText)::numeric AS v", as: Bool.self)
                #expect(equal)
            }
        }
    }

    @Test func decimalSumsComputedByTheServerAreExact() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE amounts (v numeric(14,2) NOT NULL)")
                let values = ["0.01", "99999999999.99", "-123.45", "0", "0.10", "0.20"]
                    .map { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX"))! }
                for v in values { try await c.query("INSERT INTO amounts (v) VALUES (\(v))") }
                let sum = try await c.scalar("SELECT sum(v) AS v FROM amounts", as: Decimal.self)
                #expect(sum == Decimal(string: "99999999876.85", locale: Locale(identifier: "en_US_POSIX"))!)
                #expect(sum == values.reduce(0, +))
            }
        }
    }

    @Test func decimalsWithManyDigitsRoundTripThroughUnconstrainedNumeric() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for text in ["12345678901234567890.123456789", "-0.000000000000000001", "1000000000000000000000000000000"] {
                    let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
                    let (cast, stored) = try await roundTrip(value, as: "numeric", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
            }
        }
    }

    @Test func decimalThatDoesNotFitIsUnparsableRatherThanRounded() async throws {
        try await withTestPool { pool in
            // 45 significant digits: more than Decimal holds exactly.
            let error = try await pgError {
                _ = try await pool.scalar(
                    "SELECT 123456789012345678901234567890.123456789012345::numeric AS v", as: Decimal.self)
            }
            #expect(error.code == .unparsableValue)
        }
    }

    @Test func decimalNaNThatIsWrittenCanBeReadBack() async throws {
        // Decimal.postgresText writes "NaN" for NaN; reading it back should work too.
        try await withTestPool { pool in
            let text = try await pool.scalar("SELECT \(Decimal.nan)::numeric::text AS v", as: String.self)
            #expect(text == "NaN")
            let back = try await pool.scalar("SELECT \(Decimal.nan)::numeric AS v", as: Decimal.self)
            #expect(back.isNaN)
        }
    }

    @Test func doublesRoundTripBitForBit() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let values: [Double] = [
                    0, 1, -1.5, 0.1 + 0.2, .pi, 1e-300, -2.5e300, .greatestFiniteMagnitude,
                    .leastNormalMagnitude, 123456789.123456789, .infinity, -.infinity,
                ]
                for value in values {
                    let (cast, stored) = try await roundTrip(value, as: "double precision", on: c)
                    #expect(cast.bitPattern == value.bitPattern, "\(value) came back as \(cast)")
                    #expect(stored.bitPattern == value.bitPattern, "\(value) came back as \(stored)")
                }
                let nan = try await roundTrip(Double.nan, as: "double precision", on: c)
                #expect(nan.cast.isNaN)
                #expect(nan.stored.isNaN)
            }
        }
    }

    @Test func uuidsRoundTrip() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for value in [UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!,
                              UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!] {
                    let (cast, stored) = try await roundTrip(value, as: "uuid", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
                let generated = try await c.scalar("SELECT gen_random_uuid() AS v", as: UUID.self)
                let text = try await c.scalar("SELECT \(generated)::uuid::text AS v", as: String.self)
                #expect(text == generated.uuidString.lowercased())
            }
        }
    }

    @Test(arguments: ["2024-02-29", "0001-01-01", "9999-12-31", "1970-01-01", "1969-12-31", "2026-03-01"])
    func calendarDatesRoundTrip(_ text: String) async throws {
        let value = try #require(CalendarDate(text))
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                let (cast, stored) = try await roundTrip(value, as: "date", on: c)
                #expect(cast == value)
                #expect(stored == value)
                let serverText = try await c.scalar("SELECT \(value)::date::text AS v", as: String.self)
                #expect(serverText == text)
            }
        }
    }

    @Test func timestampsKeepMicrosecondsExactly() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let texts = [
                    "2026-03-01T12:34:56.123456Z", "2026-03-01T12:34:56Z", "1970-01-01T00:00:00Z",
                    "1969-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                    "2024-02-29T23:59:59.000001Z",
                ]
                for text in texts {
                    let value = try #require(Timestamp(parsing: text))
                    let (cast, stored) = try await roundTrip(value, as: "timestamptz", on: c)
                    #expect(cast == value, "\(text) came back as \(cast)")
                    #expect(stored == value, "\(text) came back as \(stored)")
                    #expect(stored.description == text)
                }
                let value = try #require(Timestamp(parsing: "2026-03-01T12:34:56.123456Z"))
                let micros = try await c.scalar(
                    "SELECT extract(microseconds FROM \(value)::timestamptz)::bigint AS v", as: Int64.self)
                #expect(micros == 56_123_456)
                let epoch = try await c.scalar(
                    "SELECT (extract(epoch FROM \(value)::timestamptz) * 1000000)::bigint AS v", as: Int64.self)
                #expect(epoch == value.microsecondsSinceEpoch)
            }
        }
    }

    @Test func timestampsWithOffsetsAgreeWithTheServer() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for text in ["2026-03-01T18:04:56.5+05:30", "2026-03-01T04:34:56.5-08:00", "2026-03-01 12:34:56.5+00"] {
                    let client = try #require(Timestamp(parsing: text))
                    // The server parses the text itself and returns it in UTC.
                    let server = try await c.scalar("SELECT \(text)::timestamptz AS v", as: Timestamp.self)
                    #expect(server == client)
                    #expect(server.description == "2026-03-01T12:34:56.5Z")
                }
            }
        }
    }

    @Test func nowFromTheServerDecodesAsTimestampAndDate() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let before = Timestamp.now
                let ts = try await c.scalar("SELECT clock_timestamp() AS v", as: Timestamp.self)
                let date = try await c.scalar("SELECT clock_timestamp() AS v", as: Date.self)
                #expect(abs(ts.microsecondsSinceEpoch - before.microsecondsSinceEpoch) < 60_000_000)
                #expect(abs(date.timeIntervalSince(before.date)) < 60)
                let today = try await c.scalar("SELECT current_date AS v", as: CalendarDate.self)
                #expect(abs(today.days(until: Timestamp.now.calendarDate)) <= 1)
            }
        }
    }

    @Test func datesRoundTripToTheMicrosecond() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for date in [
                    Date(timeIntervalSince1970: 1_772_368_496.123456), Date(timeIntervalSince1970: 0),
                    Date(timeIntervalSince1970: -86_400.5), Date(timeIntervalSinceReferenceDate: 0),
                ] {
                    let (cast, stored) = try await roundTrip(date, as: "timestamptz", on: c)
                    #expect(Timestamp(cast) == Timestamp(date))
                    #expect(Timestamp(stored) == Timestamp(date))
                    #expect(abs(stored.timeIntervalSince(date)) < 0.000_001)
                }
            }
        }
    }

    @Test func jsonbCarriesACodableStruct() async throws {
        let contact = Contact(
            name: "Zoë \"Z\" O'Brien 🎉", tags: ["vip", "a,b", "back\\slash", ""], score: 4.25, active: true,
            address: .init(city: "Kraków", lines: ["ul. Długa 1/2", "line \n two"]), note: nil)
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let (cast, stored) = try await roundTrip(JSONB(contact), as: "jsonb", on: c)
                #expect(cast.value == contact)
                #expect(stored.value == contact)
                // The server sees real JSON, not a string.
                let name = try await c.scalar("SELECT \(JSONB(contact))::jsonb ->> 'name' AS v", as: String.self)
                #expect(name == contact.name)
                let city = try await c.scalar(
                    "SELECT \(JSONB(contact))::jsonb #>> '{address,city}' AS v", as: String.self)
                #expect(city == "Kraków")
                let kind = try await c.scalar("SELECT jsonb_typeof(\(JSONB(contact))::jsonb) AS v", as: String.self)
                #expect(kind == "object")
                // Written by the server, read as the struct.
                let built = try await c.scalar(
                    """
                    SELECT jsonb_build_object('name', 'n', 'tags', jsonb_build_array('x'), 'active', false,
                        'address', jsonb_build_object('city', 'c', 'lines', '[]'::jsonb)) AS v
                    """, as: JSONB<Contact>.self)
                #expect(built.value == Contact(
                    name: "n", tags: ["x"], score: nil, active: false, address: .init(city: "c", lines: []), note: nil))
            }
        }
    }

    @Test func jsonbThatDoesNotMatchTheStructIsUnparsable() async throws {
        try await withTestPool { pool in
            let error = try await pgError {
                _ = try await pool.scalar(#"SELECT '{"name": 1}'::jsonb AS v"#, as: JSONB<Contact>.self)
            }
            #expect(error.code == .unparsableValue)
            #expect(error.column == "v")
        }
    }

    @Test func jsonbThatCannotBeEncodedIsNotSilentlyBoundAsNull() async throws {
        // JSONEncoder refuses NaN. The value must not quietly become SQL NULL.
        struct Reading: Codable, Sendable { var value: Double }
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE readings (data jsonb)")
                // Making the value is where it fails: before any SQL is sent.
                #expect(throws: EncodingError.self) { try JSONB(Reading(value: .nan)) }
                do {
                    try await c.query("INSERT INTO readings (data) VALUES (\(try JSONB(Reading(value: .nan))))")
                } catch is EncodingError {
                    // refused, as it should be
                }
                let nulls = try await c.scalar("SELECT count(*) AS v FROM readings WHERE data IS NULL", as: Int.self)
                #expect(nulls == 0, "an unencodable JSONB value was stored as NULL without an error")
            }
        }
    }

    @Test func int64ArraysRoundTripAndWorkWithAny() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                for value: [Int64] in [[], [1], [1, -2, Int64.max, Int64.min, 0]] {
                    let (cast, stored) = try await roundTrip(value, as: "bigint[]", on: c)
                    #expect(cast == value)
                    #expect(stored == value)
                }
                try await c.query("CREATE TABLE items (id bigint PRIMARY KEY)")
                try await c.query("INSERT INTO items SELECT generate_series(1, 10)")
                let wanted: [Int64] = [2, 3, 5, 7, 11]
                let found = try await c.query("SELECT id FROM items WHERE id = ANY(\(wanted)) ORDER BY id")
                    .map { try $0.decode("id", as: Int64.self) }
                #expect(found == [2, 3, 5, 7])
                let none = try await c.query("SELECT id FROM items WHERE id = ANY(\([Int64]())) ORDER BY id")
                #expect(none.isEmpty)
            }
        }
    }

    static let awkwardStrings = [
        "plain", "with,comma", "with \"quotes\"", "back\\slash", "trailing backslash\\", "NULL", "null", "",
        "  spaced  ", "{braces}", "é🎉", "'); DROP TABLE names; --", "new\nline",
    ]

    @Test func stringArraysWithQuotesCommasAndBackslashesRoundTrip() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let value = Self.awkwardStrings
                let (cast, stored) = try await roundTrip(value, as: "text[]", on: c)
                #expect(cast == value)
                #expect(stored == value)
                // The server sees as many elements as were sent, with no NULLs.
                let length = try await c.scalar("SELECT cardinality(\(value)::text[]) AS v", as: Int.self)
                #expect(length == value.count)
                let nulls = try await c.scalar(
                    "SELECT count(*) AS v FROM unnest(\(value)::text[]) AS e WHERE e IS NULL", as: Int.self)
                #expect(nulls == 0)
                let third = try await c.scalar("SELECT (\(value)::text[])[3] AS v", as: String.self)
                #expect(third == "with \"quotes\"")
            }
        }
    }

    @Test func stringArraysMatchWithAny() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE names (name text PRIMARY KEY)")
                for name in Self.awkwardStrings { try await c.query("INSERT INTO names (name) VALUES (\(name))") }
                try await c.query("INSERT INTO names (name) VALUES ('other')")
                let wanted = ["with,comma", "NULL", "back\\slash", "", "missing"]
                let found = try await c.query("SELECT name FROM names WHERE name = ANY(\(wanted)) ORDER BY name")
                    .map { try $0.decode("name", as: String.self) }
                #expect(Set(found) == ["with,comma", "NULL", "back\\slash", ""])
                // The table survived the injection-looking element.
                let count = try await c.scalar("SELECT count(*) AS v FROM names", as: Int.self)
                #expect(count == Self.awkwardStrings.count + 1)
            }
        }
    }

    @Test func optionalArrayElementsBindAndDecodeAsNull() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let value: [String?] = ["a", nil, "NULL", ""]
                let (cast, stored) = try await roundTrip(value, as: "text[]", on: c)
                #expect(cast == value)
                #expect(stored == value)
                let nulls = try await c.scalar(
                    "SELECT count(*) AS v FROM unnest(\(value)::text[]) AS e WHERE e IS NULL", as: Int.self)
                #expect(nulls == 1)
                // A NULL element in a non-optional array is an error.
                let error = try await pgError {
                    _ = try await c.scalar("SELECT ARRAY[1, NULL, 3]::bigint[] AS v", as: [Int64].self)
                }
                #expect(error.code == .unexpectedNull)
                let optionals = try await c.scalar("SELECT ARRAY[1, NULL, 3]::bigint[] AS v", as: [Int64?].self)
                #expect(optionals == [1, nil, 3])
            }
        }
    }

    @Test func arraysOfDatesUUIDsAndTimestampsDecode() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c async throws in
                let dates = [CalendarDate("2024-02-29")!, CalendarDate("2026-01-01")!]
                #expect(try await roundTrip(dates, as: "date[]", on: c).stored == dates)
                let ids = [UUID(), UUID()]
                #expect(try await roundTrip(ids, as: "uuid[]", on: c).stored == ids)
                let times = [Timestamp(parsing: "2026-03-01T12:34:56.123456Z")!, Timestamp(microsecondsSinceEpoch: 0)]
                #expect(try await roundTrip(times, as: "timestamptz[]", on: c).stored == times)
                let flags = [true, false, true]
                #expect(try await roundTrip(flags, as: "boolean[]", on: c).stored == flags)
            }
        }
    }

    @Test func nullOptionalsBindNullForEveryType() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let row = try #require(try await c.query(
                    """
                    SELECT \(Int?.none)::bigint IS NULL AS a, \(Decimal?.none)::numeric IS NULL AS b,
                        \(UUID?.none)::uuid IS NULL AS c, \(CalendarDate?.none)::date IS NULL AS d,
                        \(Timestamp?.none)::timestamptz IS NULL AS e, \(Bool?.none)::boolean IS NULL AS f
                    """).first)
                for column in ["a", "b", "c", "d", "e", "f"] {
                    #expect(try row.decode(column, as: Bool.self), "column \(column)")
                }
            }
        }
    }
}

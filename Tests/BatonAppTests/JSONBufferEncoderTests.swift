@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Postgres
import Testing

/// Issue 21, item 5: the buffer writer's bytes are JSONEncoder's (sorted keys, unescaped
/// slashes, `NullKeeping`) for awkward values, every decimal, date and instant, and every
/// record and list page the API answers with on the demo firm.
@Suite struct JSONBufferEncoderTests {
    /// The buffer writer's bytes for `value`, and JSONEncoder's.
    func both(_ value: some Encodable) throws -> (new: String, old: String) {
        let new = try JSONBufferEncoder.encode(value)
        return (String(buffer: new), String(decoding: try JSON.encoder.encode(NullKeeping(value)), as: UTF8.self))
    }

    func expectSame(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (new, old) = try both(value)
        #expect(new == old, sourceLocation: sourceLocation)
    }

    @Test func aRecordThatKeepsEveryKeyWritesItsAbsentOptionalsAsNullAndNoOtherDoes() throws {
        struct Loose: Encodable { var c: String? }
        struct Kept: Encodable, KeepsEveryKey {
            var a: String?
            var b: Int?
            var loose: Loose
        }
        let (new, old) = try both(Kept(a: nil, b: 1, loose: Loose(c: nil)))
        #expect(new == #"{"a":null,"b":1,"loose":{}}"#)
        #expect(old == new)
    }

    static let awkwardText = "Zoë \"quoted\" back\\slash a/b </script> \u{0}\u{1}\u{1f}\u{7f} \t\n\r\u{8}\u{c} 🧑🏽‍💻 \u{2028}\u{2029} 日本語 \u{FEFF}"

    /// Members declared out of key order, a record that keeps every key inside one that
    /// does not and the other way round, and every kind of value the API writes.
    struct Awkward: Encodable, KeepsEveryKey {
        var zeta, alpha: String?
        var amount, credit: Money?
        var share: DecimalString
        @DecimalText var hours: Decimal
        var day, noDay: CalendarDate?
        var at, never: Timestamp?
        var count: Int
        var big: Int64
        var small: Int8
        var unsigned: UInt64
        var ratio, whole: Double
        var flags: [Bool]
        var empty: [String]
        var inner: Inner
        var inners: [Inner]
        var noInner: Inner?
        var address: Address
        var scores: [String: Int]
        var raw: Decimal
        var category: ForecastCategory
        var nothing: Nothing
        var keyed: Keyed
    }

    struct Inner: Encodable, KeepsEveryKey {
        var b: String?
        var a: Int?
        var addresses: [Address]
    }

    /// Leaves absent parts out, as an account's address does.
    struct Address: Encodable {
        var street, city: String?
    }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    /// A hand-written `encode(to:)` with nested containers, in the order it likes.
    struct Keyed: Encodable {
        enum Keys: String, CodingKey { case z, m, a, list }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var nested = c.nestedContainer(keyedBy: Keys.self, forKey: .z)
            try nested.encode("z", forKey: .m)
            try nested.encodeNil(forKey: .a)
            var list = c.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var inList = list.nestedContainer(keyedBy: Keys.self)
            try inList.encode(Money(Decimal(string: "-0.005")!), forKey: .z)
            try inList.encode("x", forKey: .a)
            try c.encode(true, forKey: .m)
            try c.encodeIfPresent(nil as String?, forKey: .a)
        }
    }

    static func awkward(_ n: Int) -> Awkward {
        Awkward(
            zeta: awkwardText, alpha: n.isMultiple(of: 2) ? nil : "a/\(n)",
            amount: Money(Decimal(string: "-123456789012345678901234567890.125")!), credit: nil,
            share: DecimalString(Decimal(string: "12.500")!), hours: Decimal(string: "0.0000000001")!,
            day: CalendarDate(year: 2026, month: 2, day: 28), noDay: nil,
            at: Timestamp(microsecondsSinceEpoch: -1_234_567), never: nil,
            count: -n, big: .min, small: .max, unsigned: .max, ratio: 0.1 + 0.2, whole: 3,
            flags: [true, false], empty: [],
            inner: Inner(b: nil, a: n, addresses: [Address(street: "1 \"Main\" St", city: nil)]),
            inners: [Inner(b: "", a: nil, addresses: []), Inner(b: awkwardText, a: 0, addresses: [Address()])], noInner: nil,
            address: Address(street: nil, city: "Portland/Oregon"),
            scores: ["b": 2, "a": 1, "B": 3, "ä": 4, "a b": 5, "": 6],
            raw: Decimal(string: "-98765.4321")!, category: .bestCase, nothing: Nothing(), keyed: Keyed())
    }

    @Test func awkwardRecordsPagesAndSingleValuesAreJSONEncodersBytes() throws {
        try expectSame(Self.awkward(1))
        try expectSame(Self.awkward(2))
        try expectSame(Page(fetched: (1...4).map(Self.awkward), limit: 3) { [String($0.count)] })
        try expectSame(Page(fetched: [Awkward](), limit: 3) { _ in [] })
        try expectSame([Self.awkward(3)])
        try expectSame(Self.awkwardText)
        try expectSame(Optional<Int>.none)
        try expectSame(["k": Optional<String>.none])
        try expectSame([[Int]]())
        try expectSame(-0.0)
        try expectSame([1e-7, 1e21, 123456.789, -2.5, 5e-324, Double.greatestFiniteMagnitude])
        try expectSame(Float(1.1))
    }

    /// What the writer cannot stream (a `Date`, containers used out of order) it refuses,
    /// and `JSON.bytes` then writes JSONEncoder's bytes.
    @Test func whatCannotBeStreamedFallsBackToJSONEncoder() throws {
        struct Interleaved: Encodable {
            enum Keys: CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Keys.self)
                var nested = c.nestedContainer(keyedBy: Keys.self, forKey: .a)
                try c.encode(1, forKey: .b)
                try nested.encode(2, forKey: .a)
            }
        }
        struct Dated: Encodable { var at = Date(timeIntervalSince1970: 0) }
        func check(_ value: some Encodable) throws {
            #expect(throws: JSONBufferEncoder.Unsupported.self) { try JSONBufferEncoder.encode(value) }
            #expect(try Data(buffer: JSON.bytes(value)) == JSON.encoder.encode(NullKeeping(value)))
        }
        try check(Interleaved())
        try check(Dated())
    }

    /// Money rounds half away from zero to cents and decimals trim their zeros exactly as
    /// `moneyText` and `plainText` do, for decimals of every length, scale and sign.
    @Test func everyDecimalIsWrittenAsMoneyTextAndPlainTextWriteIt() throws {
        var random = SeededGenerator(seed: 21)
        var texts = ["0", "-0", "0.00", "0.125", "-0.125", "-0.001", "0.005", "9.995", "-9.995", "99.999", "1000", "100.50",
                     "99999999999999999999999999999999999999", "-0.00000000000000000000000000000000000001",
                     "12345678901234567890.123456789012345678", "0.5", "-0.5", "0.049", "1e5"]
        for _ in 0..<3000 {
            let length = Int.random(in: 1...38, using: &random)
            var digits = String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            if Bool.random(using: &random) {
                digits.insert(".", at: digits.index(digits.startIndex, offsetBy: Int.random(in: 0..<length, using: &random)))
                if digits.hasPrefix(".") { digits = "0" + digits }
            }
            texts.append((Bool.random(using: &random) ? "-" : "") + digits)
        }
        var values = texts.compactMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) }
        values += [Decimal(sign: .plus, exponent: 20, significand: 7), Decimal(sign: .minus, exponent: -30, significand: 5),
                   Decimal(sign: .plus, exponent: 100, significand: 123), Decimal(sign: .minus, exponent: -120, significand: 9)]
        for value in values {
            let (money, moneyOld) = try both(Money(value))
            #expect(money == moneyOld, "\(value)")
            let (plain, plainOld) = try both(DecimalString(value))
            #expect(plain == plainOld, "\(value)")
            let (raw, rawOld) = try both([value])
            #expect(raw == rawOld, "\(value)")
        }
    }

    @Test func everyDateAndInstantIsWrittenAsItsDescription() throws {
        var random = SeededGenerator(seed: 5)
        var instants: [Int64] = [0, -1, 1, 999_999, -62_135_596_800_000_000, 253_402_300_799_999_999, 1_700_000_000_000_000]
        for _ in 0..<3000 { instants.append(Int64.random(in: -62_135_596_800_000_000...253_402_300_799_999_999, using: &random)) }
        for micros in instants {
            let t = Timestamp(microsecondsSinceEpoch: micros)
            let (new, old) = try both([t])
            #expect(new == old, "\(micros)")
            let (day, dayOld) = try both(t.calendarDate)
            #expect(day == dayOld, "\(micros)")
        }
    }

    /// Every record and list page the API answers with on the demo firm, for an
    /// administrator and a salesperson, and an account with awkward text: each response
    /// is also encoded by JSONEncoder and compared.
    @Test func everyAPIResponseOfTheDemoFirmIsJSONEncodersBytes() async throws {
        JSON.crossCheck.turnOn()
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let made = try await app.request(.post, "/api/v1/accounts", token: admin, json: """
                {"name": "Zoë \\"quoted\\" a/b \\t\\u0001 🧑🏽‍💻 日本語", "address": {"city": "Portland/Oregon"}}
                """)
            #expect(made.status == .created, "\(made.text)")
            var answered = 0
            for user in ["admin@demo.test", "ana.torres@demo.test"] {
                let token = try await app.signIn(user)
                func get(_ path: String) async throws -> [String: Any]? {
                    let r = try await app.request(.get, "/api/v1/\(path)", token: token)
                    guard r.status == .ok else { return nil }
                    answered += 1
                    return try? r.json()
                }
                func firstID(_ path: String) async throws -> Int? {
                    ((try await get(path))?["items"] as? [[String: Any]])?.first?["id"] as? Int
                }
                for path in ["users", "skills", "holiday-calendars", "time-off", "pipeline-stages", "list-views", "sites",
                             "travel-times", "settings", "periods", "reports/attainment", "reports/forecast",
                             "reports/pipeline", "reports/sales-performance", "reports/delivery", "reports/growth",
                             "reports/recurring-revenue", "reports/retention", "reports/renewals-due", "search?q=a",
                             "timesheet", "cost-rates", "bill-rates", "reports/profitability", "notifications",
                             "notifications/unread-count", "notifications/preferences", "notifications/deliveries"] {
                    _ = try await get(path)
                }
                let children = [
                    "opportunities": ["history", "proposals"], "accounts": ["timeline", "white-space"],
                    "projects": ["assignments", "budget", "staffing-suggestions"], "bonus-plans": ["members"],
                    "users": ["assignments", "working-calendar", "day-plans"],
                ]
                for list in ["opportunities", "accounts", "contacts", "activities", "tasks", "projects", "agreements",
                             "typical-projects", "quotas", "bonus-plans", "bonus-runs", "time-entries", "users",
                             "holiday-calendars", "time-off", "sites"] {
                    guard let id = try await firstID(list) else { continue }
                    _ = try await get("\(list)/\(id)")
                    for child in children[list] ?? [] { _ = try await get("\(list)/\(id)/\(child)") }
                }
                if let opportunity = try await firstID("opportunities?limit=500"),
                   let proposal = try await firstID("opportunities/\(opportunity)/proposals") {
                    _ = try await get("proposals/\(proposal)")
                }
                _ = try await get("accounts?q=Zo")
            }
            #expect(answered > 60, "only \(answered) answers")
        }
        let results = JSON.crossCheck.results
        #expect(results.mismatches.isEmpty, "\(results.mismatches.joined(separator: "\n"))")
        // Only this suite's own unstreamable values (which may run alongside) fall back.
        let fellBack = results.fallbacks.subtracting(["Dated", "Interleaved"])
        #expect(fellBack.isEmpty, "fell back to JSONEncoder: \(fellBack)")
    }
}

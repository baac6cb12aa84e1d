import Dates
import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct DecodingTests {
    @Test func missingColumnIsReported() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery("SELECT 1 AS present").first)
            let error = try await pgError { _ = try row.decode("absent", as: Int.self) }
            #expect(error.code == .missingColumn)
            // An optional does not hide a misspelt column.
            let optional = try await pgError { _ = try row.decode("absent", as: Int?.self) }
            #expect(optional.code == .missingColumn)
        }
    }

    @Test func nullIntoNonOptionalIsUnexpectedNull() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery("SELECT NULL::int AS n, NULL::text AS s").first)
            let error = try await pgError { _ = try row.decode("n", as: Int.self) }
            #expect(error.code == .unexpectedNull)
            #expect(error.message.contains("n"))
            let text = try await pgError { _ = try row.decode("s", as: String.self) }
            #expect(text.code == .unexpectedNull)
        }
    }

    @Test func optionalDecodeOfNullGivesNil() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery(
                "SELECT NULL::int AS n, NULL::text AS s, NULL::uuid AS u, NULL::date AS d, 5 AS five").first)
            #expect(try row.decode("n", as: Int?.self) == nil)
            #expect(try row.decode("s", as: String?.self) == nil)
            #expect(try row.decode("u", as: UUID?.self) == nil)
            #expect(try row.decode("d", as: CalendarDate?.self) == nil)
            #expect(try row.decode("five", as: Int?.self) == 5)
        }
    }

    @Test func unparsableTextIsUnparsableValueAndKeepsTheValueOutOfTheError() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery(
                "SELECT 'abc'::text AS word, 'secret-value-123'::text AS secret, 'maybe'::text AS flag").first)
            let error = try await pgError { _ = try row.decode("word", as: Int.self) }
            #expect(error.code == .unparsableValue)
            #expect(error.column == "word")
            #expect(!error.message.contains("abc"))
            let secret = try await pgError { _ = try row.decode("secret", as: UUID.self) }
            #expect(secret.code == .unparsableValue)
            #expect(!secret.message.contains("secret-value-123"))
            #expect(!"\(secret)".contains("secret-value-123"))
            let flag = try await pgError { _ = try row.decode("flag", as: Bool.self) }
            #expect(flag.code == .unparsableValue)
            // An optional type still refuses text that is not NULL and not valid.
            let optional = try await pgError { _ = try row.decode("word", as: Int?.self) }
            #expect(optional.code == .unparsableValue)
        }
    }

    @Test func unparsableForEveryScalarType() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery("SELECT 'x1'::text AS v").first)
            func code<T: PostgresDecodable>(_ type: T.Type) -> PostgresError.Code? {
                do { _ = try row.decode("v", as: T.self); return nil } catch { return error.code }
            }
            #expect(code(Int.self) == .unparsableValue)
            #expect(code(Int32.self) == .unparsableValue)
            #expect(code(Int64.self) == .unparsableValue)
            #expect(code(Double.self) == .unparsableValue)
            #expect(code(Decimal.self) == .unparsableValue)
            #expect(code(UUID.self) == .unparsableValue)
            #expect(code(CalendarDate.self) == .unparsableValue)
            #expect(code(Timestamp.self) == .unparsableValue)
            #expect(code(Date.self) == .unparsableValue)
            #expect(code([Int64].self) == .unparsableValue)
            #expect(code(String.self) == nil)
        }
    }

    @Test func intOverflowWhenDecodingIsUnparsable() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery("SELECT 3000000000::bigint AS v").first)
            #expect(throws: PostgresError.self) { _ = try row.decode("v", as: Int32.self) }
            #expect(try row.decode("v", as: Int64.self) == 3_000_000_000)
        }
    }

    @Test func resultsExposeColumnsRowsAndAffectedCounts() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (id int, name text)")
                let insert = try await c.query("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
                #expect(insert.affectedRows == 3)
                #expect(insert.isEmpty)
                let update = try await c.query("UPDATE t SET name = 'z' WHERE id >= \(2)")
                #expect(update.affectedRows == 2)
                let select = try await c.query("SELECT id, name FROM t ORDER BY id")
                #expect(select.columns.names == ["id", "name"])
                #expect(select.count == 3)
                #expect(try select.map { try $0.decode("name", as: String.self) } == ["a", "z", "z"])
                var ids: [Int] = []
                for row in select { ids.append(try row.decode("id")) }
                #expect(ids == [1, 2, 3])
                let delete = try await c.query("DELETE FROM t")
                #expect(delete.affectedRows == 3)
                let empty = try await c.query("SELECT id FROM t")
                #expect(empty.isEmpty)
                #expect(empty.first == nil)
                #expect(empty.columns.names == ["id"])
            }
        }
    }

    @Test func duplicateColumnNamesDecodeTheFirst() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery("SELECT 1 AS v, 2 AS v").first)
            #expect(try row.decode("v", as: Int.self) == 1)
            #expect(row.values == ["1", "2"])
        }
    }
}

@Suite struct QueryTests {
    @Test func interpolationBecomesNumberedPlaceholdersInOrder() {
        let name = "Ann"
        let missing: Int? = nil
        let q: Query = "SELECT * FROM people WHERE name = \(name) AND age > \(30) AND boss = \(missing) AND ok = \(true)"
        let (sql, binds) = q.rendered
        #expect(sql == "SELECT * FROM people WHERE name = $1 AND age > $2 AND boss = $3 AND ok = $4")
        #expect(binds == ["Ann", "30", nil, "t"])
    }

    @Test func descriptionShowsTheTextButNeverTheValues() {
        let secret = "hunter2-password"
        let q: Query = "UPDATE users SET password = \(secret) WHERE id = \(7)"
        #expect(q.description == "UPDATE users SET password = $1 WHERE id = $2")
        #expect(!"\(q)".contains(secret))
    }

    @Test func joinRenumbersAcrossParts() {
        let conditions: [Query] = ["a = \(1)", "b = \("two")", "c IS NULL", "d IN (\(4), \(5))"]
        let q: Query = "SELECT * FROM t WHERE " + Query.join(conditions, separator: " AND ")
        let (sql, binds) = q.rendered
        #expect(sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c IS NULL AND d IN ($3, $4)")
        #expect(binds == ["1", "two", "4", "5"])
        #expect(Query.join([], separator: ", ").rendered.sql == "")
        #expect(Query.join(["x = \(1)"], separator: ", ").rendered.sql == "x = $1")
    }

    @Test func plusAndAppendAndNestedQueriesKeepBindOrder() {
        var q: Query = "SELECT \(1) AS a"
        q.append(", \(2) AS b")
        let inner: Query = "\(3) + \(4)"
        q = q + ", (\(inner)) AS c, \(5) AS d"
        let (sql, binds) = q.rendered
        #expect(sql == "SELECT $1 AS a, $2 AS b, ($3 + $4) AS c, $5 AS d")
        #expect(binds == ["1", "2", "3", "4", "5"])
    }

    @Test func unsafeSQLIsTextNotABind() {
        let column = "created_at"
        let q: Query = "SELECT id FROM t ORDER BY \(unsafeSQL: column) DESC LIMIT \(10)"
        #expect(q.rendered.sql == "SELECT id FROM t ORDER BY created_at DESC LIMIT $1")
        #expect(q.rendered.binds == ["10"])
        let raw = Query(unsafeSQL: "SELECT 1")
        #expect(raw.rendered.sql == "SELECT 1")
        #expect(raw.rendered.binds.isEmpty)
    }

    @Test func composedQueriesRunOnTheServer() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (id int, name text, score int)")
                try await c.query("INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30), (4, 'd', NULL)")
                var conditions: [Query] = ["score >= \(15)"]
                conditions.append("name <> \("c")")
                let order = "id"
                let q: Query = "SELECT id FROM t WHERE " + Query.join(conditions, separator: " AND ")
                    + " ORDER BY \(unsafeSQL: order)"
                let ids = try await c.query(q).map { try $0.decode("id", as: Int.self) }
                #expect(ids == [2])
                let sum = try await c.scalar("SELECT \(1)::int + \(2)::int * \(3)::int AS v", as: Int.self)
                #expect(sum == 7)
                // A "$1" inside a literal in the text is not a placeholder.
                let literal = try await c.scalar("SELECT '$1' || \("x") AS v", as: String.self)
                #expect(literal == "$1x")
            }
        }
    }

    static let injections = [
        "'); DROP TABLE t; --",
        "' OR '1'='1",
        "\"; DROP TABLE t; --",
        "$1",
        "\\'; SELECT pg_sleep(10); --",
        "Robert'); DROP TABLE students;--",
    ]

    @Test func injectionStringsAreStoredVerbatimAndTheTableSurvives() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)")
                try await c.query("INSERT INTO t (v) VALUES ('innocent')")
                for value in Self.injections {
                    try await c.query("INSERT INTO t (v) VALUES (\(value))")
                    let back = try await c.scalar("SELECT v FROM t ORDER BY id DESC LIMIT 1", as: String.self)
                    #expect(back == value)
                    // Used in a WHERE clause it matches itself only, not every row.
                    let matches = try await c.scalar("SELECT count(*) AS v FROM t WHERE v = \(value)", as: Int.self)
                    #expect(matches == 1)
                }
                let count = try await c.scalar("SELECT count(*) AS v FROM t", as: Int.self)
                #expect(count == Self.injections.count + 1)
                let exists = try await c.scalar("SELECT to_regclass('t') IS NOT NULL AS v", as: Bool.self)
                #expect(exists)
            }
        }
    }
}

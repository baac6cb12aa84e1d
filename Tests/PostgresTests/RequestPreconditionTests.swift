import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// A request's precondition (`ConnectionPool.requireForRequest`): sent once, in the same
/// round trip as the request's first statement and ahead of it, and when it fails, none of
/// the request's statements take effect (issue 21: the caller's check rides with the read).
@Suite struct RequestPreconditionTests {
    @Test func itRunsOnceAheadOfTheFirstStatementOnTheSameConnection() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.runQuery("CREATE SEQUENCE checks")
            let seen = try await pool.withRequestLease {
                #expect(pool.requireForRequest("SELECT nextval('checks')"))
                // currval fails unless this session ran nextval before: the check went first, here.
                let first = try await pool.withConnection { try await $0.scalar("SELECT currval('checks') AS v", as: Int.self) }
                let second = try await pool.withTransaction { try await $0.scalar("SELECT currval('checks') AS v", as: Int.self) }
                try await pool.settleRequestPrecondition()
                return [first, second]
            }
            #expect(seen == [1, 1])
            #expect(try await pool.scalar("SELECT last_value AS v FROM checks", as: Int.self) == 1, "sent once")
        }
    }

    @Test func itRunsAsAPreparedStatementOfItsConnection() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.runQuery("CREATE SEQUENCE checks")
            for _ in 0..<3 {
                try await pool.withRequestLease {
                    pool.requireForRequest("SELECT nextval('checks') WHERE true")
                    _ = try await pool.withConnection { try await $0.query("SELECT 1") }
                }
            }
            let prepared = try await pool.scalar("""
                SELECT count(*) AS v FROM pg_prepared_statements WHERE statement LIKE '%nextval(''checks'')%'
                """, as: Int.self)
            #expect(prepared == 1, "prepared once on the connection, then reused")
            #expect(try await pool.scalar("SELECT last_value AS v FROM checks", as: Int.self) == 3)
        }
    }

    @Test func aFailedPreconditionLetsNoStatementOfTheRequestTakeEffect() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.runQuery("CREATE TABLE marks (n int)")
            let failing: Query = "SELECT CASE WHEN true THEN 1/0 END"
            await #expect(throws: PostgresError.self) {
                try await pool.withRequestLease {
                    pool.requireForRequest(failing)
                    _ = try await pool.withConnection { try await $0.query("INSERT INTO marks VALUES (1)") }
                }
            }
            await #expect(throws: PostgresError.self) {
                try await pool.withRequestLease {
                    pool.requireForRequest(failing)
                    _ = try await pool.withTransaction { try await $0.query("INSERT INTO marks VALUES (2)") }
                }
            }
            try await pool.withRequestLease {
                pool.requireForRequest(failing)
                // A request that caught the error learns it failed, and cannot write afterwards.
                _ = try? await pool.withConnection { try await $0.query("SELECT 1") }
                #expect(pool.requestPreconditionFailed)
                await #expect(throws: PostgresError.self) {
                    _ = try await pool.withConnection { try await $0.query("INSERT INTO marks VALUES (3)") }
                }
                await #expect(throws: PostgresError.self) { try await pool.settleRequestPrecondition() }
                // Dropped, the request starts over without it.
                pool.dropRequestPrecondition()
                _ = try await pool.withConnection { try await $0.query("INSERT INTO marks VALUES (4)") }
            }
            #expect(try await pool.scalar("SELECT coalesce(string_agg(n::text, ','), '') AS v FROM marks", as: String.self) == "4")
        }
    }

    @Test func aRequestThatSendsNoStatementSettlesItBeforeItEnds() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.runQuery("CREATE SEQUENCE checks")
            try await pool.withRequestLease {
                pool.requireForRequest("SELECT nextval('checks')")
                try await pool.settleRequestPrecondition()
                try await pool.settleRequestPrecondition()
            }
            #expect(try await pool.scalar("SELECT last_value AS v FROM checks", as: Int.self) == 1)
            await #expect(throws: PostgresError.self) {
                try await pool.withRequestLease {
                    pool.requireForRequest("SELECT 1/0")
                    try await pool.settleRequestPrecondition()
                }
            }
        }
    }

    @Test func aSecondConnectionOfTheRequestCarriesItToo() async throws {
        try await withTestPool(maxConnections: 3) { pool in
            try await pool.runQuery("CREATE TABLE marks (n int)")
            await #expect(throws: PostgresError.self) {
                try await pool.withRequestLease {
                    pool.requireForRequest("SELECT 1/0")
                    _ = try await pool.withConnection { _ in
                        // The request's connection is busy: a nested body leases another one.
                        try await pool.withConnection { try await $0.query("INSERT INTO marks VALUES (1)") }
                    }
                }
            }
            #expect(try await pool.scalar("SELECT count(*) AS v FROM marks", as: Int.self) == 0)
        }
    }

    @Test func outsideARequestThereIsNothingToHoldTo() async throws {
        try await withTestPool { pool in
            #expect(!pool.requireForRequest("SELECT 1/0"))
            let two = try await pool.scalar("SELECT 2 AS v", as: Int.self)
            #expect(two == 2, "nothing rides with a statement outside a request")
        }
    }
}

import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// One connection per request (`withRequestLease`), and statements prepared once per
/// connection: the two changes under every store's `withConnection` (issue 21).
@Suite struct RequestLeaseTests {
    @Test func everyStatementOfARequestRunsOnOneConnection() async throws {
        try await withTestPool(maxConnections: 3) { pool in
            let pids = try await pool.withRequestLease {
                var seen: [Int] = []
                seen.append(try await pool.withConnection { try await $0.backendPID() })
                seen.append(try await pool.withTransaction { try await $0.backendPID() })
                seen.append(try await pool.withConnection { try await $0.backendPID() })
                return seen
            }
            #expect(Set(pids).count == 1)
            let stats = await pool.statistics()
            #expect(stats.open == 1 && stats.idle == 1, "the request's connection went back to the pool")
        }
    }

    @Test func aRequestThatNeverReachesTheDatabaseLeasesNothing() async throws {
        try await withTestPool { pool in
            let value = try await pool.withRequestLease { 42 }
            #expect(value == 42)
            #expect(await pool.statistics().open == 0)
        }
    }

    @Test func aNestedLeaseGetsAConnectionOfItsOwnAndKeepsItsOwnTransaction() async throws {
        try await withTestPool(maxConnections: 3) { pool in
            try await pool.runQuery("CREATE TABLE marks (n int)")
            try await pool.withRequestLease {
                try await pool.withTransaction { outer in
                    let outerPID = try await outer.backendPID()
                    try await outer.query("INSERT INTO marks VALUES (1)")
                    let innerPID = try await pool.withTransaction { inner in
                        try await inner.query("INSERT INTO marks VALUES (2)")
                        return try await inner.backendPID()
                    }
                    #expect(innerPID != outerPID)
                    // The inner transaction committed on its own; the outer one's row is not visible elsewhere yet.
                    let seen = try await pool.withConnection { try await $0.scalar("SELECT count(*) AS v FROM marks", as: Int.self) }
                    #expect(seen == 1)
                }
            }
            #expect(try await pool.scalar("SELECT count(*) AS v FROM marks", as: Int.self) == 2)
        }
    }

    @Test func concurrentChildTasksNeverShareTheRequestsConnection() async throws {
        try await withTestPool(maxConnections: 4) { pool in
            try await pool.withRequestLease {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            try await pool.withConnection { c in
                                try await c.query("SELECT pg_sleep(0.02)")
                                return try await c.backendPID()
                            }
                        }
                    }
                    var count = 0
                    for try await _ in group { count += 1 }
                    #expect(count == 8)
                }
            }
            let stats = await pool.statistics()
            #expect(stats.inUse == 0)
        }
    }

    @Test func aConnectionBrokenDuringTheRequestIsReplaced() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.withRequestLease {
                let first = try await pool.withConnection { try await $0.backendPID() }
                try await ConnectionPool.withoutRequestLease {
                    try await pool.withConnection { other in
                        _ = try await other.query("SELECT pg_terminate_backend(\(first))")
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                _ = try? await pool.withConnection { try await $0.query("SELECT 1") }
                let second = try await pool.withConnection { try await $0.backendPID() }
                #expect(second != first)
            }
            #expect(await pool.statistics().inUse == 0)
        }
    }

    @Test func theTransactionsOpeningRidesWithItsFirstStatement() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let (isolation, first, second) = try await pool.withTransaction(.serializable) { c in
                (try await c.scalar("SELECT current_setting('transaction_isolation') AS v", as: String.self),
                 try await c.scalar("SELECT pg_current_xact_id()::text AS v", as: String.self),
                 try await c.scalar("SELECT pg_current_xact_id()::text AS v", as: String.self))
            }
            #expect(isolation == "serializable")
            #expect(first == second, "both statements ran in the one transaction")
            // A body that sends nothing opens nothing, and the connection goes back idle.
            try await pool.withTransaction { _ in }
            let stats = await pool.statistics()
            #expect(stats.open == 1 && stats.idle == 1)
            // A failing first statement fails the transaction, which rolls back.
            try await pool.runQuery("CREATE TABLE once (n int PRIMARY KEY)")
            let error = try await pgError {
                try await pool.withTransaction { c in
                    _ = try await c.query("INSERT INTO once VALUES (1), (1)")
                }
            }
            #expect(error.code == .uniqueViolation)
            #expect(try await pool.scalar("SELECT count(*) AS v FROM once", as: Int.self) == 0)
        }
    }

    @Test func aRepeatedStatementIsPreparedOnceAndReused() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                #expect(c.preparesStatements)
                for n in 1...3 {
                    #expect(try await c.scalar("SELECT \(n)::int + 1 AS v", as: Int.self) == n + 1)
                }
                let prepared = try await c.scalar(
                    "SELECT count(*) AS v FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + 1%'", as: Int.self)
                #expect(prepared == 1)
            }
        }
    }

    @Test func aStatementWhoseTableChangedUnderItIsPreparedAgain() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE shapes (a int)")
                try await c.query("INSERT INTO shapes VALUES (\(1))")
                _ = try await c.query("SELECT * FROM shapes")
                try await c.query("ALTER TABLE shapes ADD COLUMN b text DEFAULT 'x'")
                let rows = try await c.query("SELECT * FROM shapes")
                #expect(rows.columns.names == ["a", "b"])
            }
            // Inside a transaction the error aborts it, and the transaction runs again.
            try await pool.withConnection { try await $0.query("ALTER TABLE shapes ADD COLUMN c int") }
            let names = try await pool.withTransaction { try await $0.query("SELECT * FROM shapes").columns.names }
            #expect(names == ["a", "b", "c"])
        }
    }

    @Test func theCacheIsBoundedPerConnection() async throws {
        let config = try await TestDatabases.shared.emptyDatabase()
        var bounded = config
        bounded.preparedStatementLimit = 3
        let pool = ConnectionPool(configuration: bounded, maxConnections: 1, logger: Logger(label: "test"))
        do {
            try await pool.withConnection { c in
                for n in 0..<10 { _ = try await c.query(Query(unsafeSQL: "SELECT \(n) AS v, ") + "\(n) AS w") }
                #expect(try await c.scalar("SELECT count(*) AS v FROM pg_prepared_statements", as: Int.self) <= 3)
            }
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    @Test func preparedStatementsCanBeTurnedOffInTheURL() throws {
        let config = try ConnectionConfiguration(url: "postgres://u@h/db?prepared_statements=off")
        #expect(config.preparedStatements == false)
        #expect(!config.extra.keys.contains("prepared_statements"))
        #expect(throws: ConnectionConfiguration.InvalidURL.self) {
            try ConnectionConfiguration(url: "postgres://u@h/db?prepared_statements=maybe")
        }
    }
}

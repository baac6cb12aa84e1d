import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

struct CustomFailure: Error, Equatable {
    let id: Int
}

@Suite struct TransactionTests {
    @Test func withTransactionCommitsOnSuccess() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.runQuery("CREATE TABLE t (id int PRIMARY KEY, name text)")
            let value = try await pool.withTransaction { c in
                try await c.query("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
                return try await c.scalar("SELECT count(*) AS v FROM t", as: Int.self)
            }
            #expect(value == 2)
            // Visible from any other session: committed.
            try await pool.withConnection { a async throws in
                try await pool.withConnection { b async throws in
                    #expect(try await a.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 2)
                    #expect(try await b.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 2)
                }
            }
        }
    }

    @Test func withTransactionRollsBackOnThrowAndRethrowsTheOriginalError() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.runQuery("CREATE TABLE t (id int PRIMARY KEY)")
            let pidBefore = try await pool.withConnection { try await $0.backendPID() }
            var pidInside = 0
            await #expect(throws: CustomFailure(id: 42)) {
                try await pool.withTransaction { c in
                    try await c.query("INSERT INTO t VALUES (1)")
                    pidInside = try await c.backendPID()
                    throw CustomFailure(id: 42)
                }
            }
            #expect(pidInside == pidBefore)
            #expect(try await pool.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 0)
            // The same connection is reused, outside any transaction.
            try await pool.withConnection { c async throws in
                #expect(try await c.backendPID() == pidBefore)
                try await expectNoOpenTransaction(c)
            }
            let stats = await pool.statistics()
            #expect(stats.open == 1)
            #expect(stats.inUse == 0)
        }
    }

    @Test func databaseErrorInTheBodyRollsBackAndIsRethrown() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.runQuery("CREATE TABLE t (id int PRIMARY KEY)")
            let attempts = Counter()
            let error = try await pgError {
                try await pool.withTransaction { c in
                    await attempts.increment()
                    try await c.query("INSERT INTO t VALUES (1)")
                    try await c.query("INSERT INTO t VALUES (1)")
                }
            }
            #expect(error.code == .uniqueViolation)
            #expect(await attempts.value == 1, "a unique violation is not retried")
            #expect(try await pool.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 0)
        }
    }

    @Test func swallowedErrorInsideATransactionIsNotReportedAsACommit() async throws {
        // After a failed statement, PostgreSQL answers COMMIT with ROLLBACK and no
        // error. withTransaction must not then return as though the work was saved.
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.runQuery("CREATE TABLE t (id int PRIMARY KEY)")
            var returned = false
            do {
                try await pool.withTransaction { c in
                    try await c.query("INSERT INTO t VALUES (1)")
                    _ = try? await c.query("INSERT INTO t VALUES (1)")  // fails, error ignored
                }
                returned = true
            } catch {
                // Throwing is the honest answer.
            }
            let count = try await pool.scalar("SELECT count(*) AS v FROM t", as: Int.self)
            #expect(!returned || count == 1,
                    "withTransaction returned normally but the transaction was rolled back (count \(count))")
        }
    }

    @Test(arguments: [
        ConnectionPool.IsolationLevel.readCommitted, .repeatableRead, .serializable,
    ])
    func isolationLevelIsApplied(_ level: ConnectionPool.IsolationLevel) async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let shown = try await pool.withTransaction(level) { c in
                try await c.scalar("SELECT current_setting('transaction_isolation') AS v", as: String.self)
            }
            #expect(shown == level.rawValue.lowercased())
            // Back to the default afterwards.
            let after = try await pool.scalar("SELECT current_setting('transaction_isolation') AS v", as: String.self)
            #expect(after == "read committed")
        }
    }

    @Test(arguments: ["40001", "40P01"])
    func retryableFailureIsRetriedAndSucceeds(_ sqlState: String) async throws {
        try await withTestPool(maxConnections: 1, maxTransactionAttempts: 3) { pool in
            try await pool.runQuery("CREATE TABLE t (attempt int)")
            let attempts = Counter()
            let result = try await pool.withTransaction { c in
                let attempt = await attempts.increment()
                try await c.query("INSERT INTO t VALUES (\(attempt))")
                if attempt == 1 {
                    try await c.query(Query(unsafeSQL:
                        "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '\(sqlState)'; END $$"))
                }
                return attempt
            }
            #expect(result == 2)
            #expect(await attempts.value == 2)
            // Only the successful attempt's work survived.
            let rows = try await pool.runQuery("SELECT attempt FROM t").map { try $0.decode("attempt", as: Int.self) }
            #expect(rows == [2])
        }
    }

    @Test func retriesStopAtMaxTransactionAttempts() async throws {
        try await withTestPool(maxConnections: 1, maxTransactionAttempts: 3) { pool in
            let attempts = Counter()
            let error = try await pgError {
                try await pool.withTransaction { c in
                    await attempts.increment()
                    try await c.query("DO $$ BEGIN RAISE EXCEPTION 'always' USING ERRCODE = '40001'; END $$")
                }
            }
            #expect(error.code == .serializationFailure)
            #expect(error.isRetryableTransactionConflict)
            #expect(await attempts.value == 3)
            #expect(await pool.statistics().inUse == 0)
        }
    }

    @Test func realSerializationConflictIsRetried() async throws {
        // Classic write skew: both transactions read the table, then both insert.
        // Under SERIALIZABLE one of them must fail with 40001 and run again.
        try await withTestPool(maxConnections: 2, maxTransactionAttempts: 3) { pool in
            try await pool.runQuery("CREATE TABLE ledger (who text, seen int)")
            let barrier = Barrier(parties: 2)
            let attempts = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for who in ["a", "b"] {
                    group.addTask {
                        var attempt = 0
                        try await pool.withTransaction(.serializable) { c in
                            attempt += 1
                            await attempts.increment()
                            let seen = try await c.scalar("SELECT count(*) AS v FROM ledger", as: Int.self)
                            if attempt == 1 { await barrier.arriveAndWait() }
                            try await c.query("INSERT INTO ledger VALUES (\(who), \(seen))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await attempts.value >= 3, "one of the two transactions should have run again")
            let seen = try await pool.runQuery("SELECT seen FROM ledger ORDER BY seen")
                .map { try $0.decode("seen", as: Int.self) }
            #expect(seen == [0, 1], "the retried transaction saw the other's row")
        }
    }

    @Test func nestedUseOfTheSameConnectionInsideTheTransactionSeesItsOwnWrites() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.runQuery("CREATE TABLE t (id int)")
            try await pool.withTransaction { c in
                try await c.query("INSERT INTO t VALUES (1)")
                #expect(try await c.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 1)
                // Another session cannot see it yet.
                let outside = try await pool.scalar("SELECT count(*) AS v FROM t", as: Int.self)
                #expect(outside == 0)
            }
            #expect(try await pool.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 1)
        }
    }
}

import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// Statements run with libpq in non-blocking mode, the tasks waiting on the socket
/// watcher: these check that answers reach the right task, that a cancelled task's
/// statement is cancelled on the server, and that a dead server fails a query
/// instead of leaving it waiting.
@Suite struct NonBlockingTests {
    @Test func manyConcurrentQueriesOnASmallPoolEachGetTheirOwnAnswer() async throws {
        // 300 tasks queue for 3 connections: the last waits for 100 statements ahead of it,
        // which took more than the pool's 5 s on a machine busy compiling. The test is about
        // answers reaching their tasks, not the wait, so it waits as long as it must.
        try await withTestPool(maxConnections: 3, leaseTimeout: .seconds(120)) { pool in
            let answers = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for i in 0..<300 {
                    group.addTask {
                        // Plain, prepared (the second use of a text) and in a transaction
                        // with its BEGIN sent in the same round trip.
                        if i % 3 == 2 {
                            let doubled = try await pool.withTransaction {
                                try await $0.scalar("SELECT \(i)::int * 2 AS v", as: Int.self)
                            }
                            return (i, doubled, i * 2)
                        }
                        return (i, try await pool.scalar("SELECT \(i)::int + 1 AS v", as: Int.self), i + 1)
                    }
                }
                return try await group.reduce(into: [(Int, Int, Int)]()) { $0.append($1) }
            }
            #expect(answers.count == 300)
            for (i, got, expected) in answers { #expect(got == expected, "task \(i)") }
        }
    }

    @Test func aValueLargerThanTheSocketBufferIsSentWhole() async throws {
        try await withTestPool { pool in
            // Several megabytes: libpq cannot hand them to the socket at once and
            // the task waits for it to become writable.
            let text = String(repeating: "abcdefgh", count: 1 << 20)
            let length = try await pool.scalar("SELECT length(\(text)::text) AS v", as: Int.self)
            #expect(length == text.count)
            let same = try await pool.scalar("SELECT md5(\(text)::text) = md5(repeat('abcdefgh', \(1 << 20))) AS v", as: Bool.self)
            #expect(same)
            // And one as large comes back whole.
            let back = try await pool.scalar("SELECT repeat('abcdefgh', \(1 << 20)) AS v", as: String.self)
            #expect(back == text)
        }
    }

    @Test func aCancelledLongQueryIsCancelledOnTheServerAndTheConnectionStaysUsable() async throws {
        // Two connections: the second asks the server whether the first is sleeping yet.
        try await withTestPool(maxConnections: 2) { pool in
            try await pool.withConnection { connection in
                let sleeping = Task { try await connection.query("SELECT pg_sleep(30)") }
                try await Self.untilTheServerSleeps(pool)
                let clock = ContinuousClock()
                let started = clock.now
                sleeping.cancel()
                let error = try await pgError { _ = try await sleeping.value }
                #expect(error.sqlState == "57014", "got \(error.code): \(error.message)")
                #expect(clock.now - started < .seconds(5))
                // The same connection answers its next statement.
                #expect(try await connection.scalar("SELECT 2 AS v", as: Int.self) == 2)
            }
            // And the pool serves on (with a fresh connection: a cancel request may
            // land late, so the cancelled one is not handed out again).
            let cancelledInATransaction = Task {
                try await pool.withTransaction { try await $0.query("SELECT pg_sleep(30)") }
            }
            try await Self.untilTheServerSleeps(pool)
            cancelledInATransaction.cancel()
            _ = try? await cancelledInATransaction.value
            #expect(try await pool.scalar("SELECT 3 AS v", as: Int.self) == 3)
            let stats = await pool.statistics()
            #expect(stats.inUse == 0)
        }
    }

    /// Waits until a backend of the test's database runs `SELECT pg_sleep(30)`. A task
    /// cancelled before it sends its statement runs it unhindered (that is how a cancelled
    /// transaction still rolls back), so a fixed pause before the cancel failed on a loaded
    /// machine: the statement had not left yet and slept its 30 seconds.
    private static func untilTheServerSleeps(_ pool: ConnectionPool) async throws {
        _ = try await eventually(within: .seconds(10)) {
            let sleeping = try await pool.scalar("""
                SELECT count(*) AS v FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'active' AND query = 'SELECT pg_sleep(30)'
                """, as: Int.self)
            guard sleeping > 0 else { throw ExpectedAnError() }
            return sleeping
        }
    }

    @Test func aServerKilledMidQueryFailsTheQueryAndThePoolRecovers() async throws {
        try await withPrivateCluster { cluster, config in
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let pool = ConnectionPool(configuration: config, maxConnections: 2, leaseTimeout: .seconds(2), logger: logger)
            do {
                let sleeping = Task { try await pool.runQuery("SELECT pg_sleep(30)") }
                // Asked until the statement has started (a missing row would record an issue).
                let backend = try await eventually(within: .seconds(5)) {
                    let pid = try await pool.scalar(
                        "SELECT coalesce(max(pid), 0) AS v FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'",
                        as: Int32.self)
                    guard pid != 0 else { throw ExpectedAnError() }
                    return pid
                }
                let clock = ContinuousClock()
                let started = clock.now
                // A crashed backend: the server ends every session and starts afresh.
                #expect(kill(backend, SIGKILL) == 0)
                let error = try await pgError { _ = try await sleeping.value }
                #expect(error.isConnectionLevel, "got \(error.code): \(error.message)")
                #expect(clock.now - started < .seconds(5))
                let answer = try await eventually(within: .seconds(15)) { try await pool.scalar("SELECT 1 AS v", as: Int.self) }
                #expect(answer == 1)
                _ = cluster
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }
}

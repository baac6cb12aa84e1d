import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct ConnectionPoolTests {
    @Test func twoHundredConcurrentTasksShareFourConnectionsWithoutDeadlock() async throws {
        try await withTestPool(maxConnections: 4) { pool in
            let started = ContinuousClock.now
            let results = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for i in 0..<200 {
                    group.addTask {
                        try await pool.withConnection { c in
                            let open = await pool.statistics().open
                            let row = try #require(try await c.query(
                                "SELECT pg_backend_pid() AS pid, \(i)::int * 2 AS doubled, pg_sleep(0.002)::text AS s").first)
                            let doubled = try row.decode("doubled", as: Int.self)
                            #expect(doubled == i * 2)
                            return (try row.decode("pid", as: Int.self), open, await pool.statistics().open)
                        }
                    }
                }
                var all: [(Int, Int, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 200)
            #expect(results.allSatisfy { $0.1 <= 4 && $0.2 <= 4 }, "the pool opened more than 4 connections")
            #expect(Set(results.map(\.0)).count <= 4)
            #expect(ContinuousClock.now - started < .seconds(20))
            let stats = await pool.statistics()
            #expect(stats.open <= 4)
            #expect(stats.inUse == 0)
            #expect(stats.waiting == 0)
            #expect(stats.idle == stats.open)
            // The server agrees: no more than four sessions on this database.
            let sessions = try await pool.scalar(
                "SELECT count(*) AS v FROM pg_stat_activity WHERE datname = current_database()", as: Int.self)
            #expect(sessions <= 4)
        }
    }

    @Test func statisticsNeverExceedTheLimitWhileBusy() async throws {
        try await withTestPool(maxConnections: 3) { pool in
            let monitor = Task {
                var maxOpen = 0
                var sawWaiting = false
                while !Task.isCancelled {
                    let s = await pool.statistics()
                    maxOpen = max(maxOpen, s.open)
                    sawWaiting = sawWaiting || s.waiting > 0
                    try? await Task.sleep(for: .milliseconds(1))
                }
                return (maxOpen, sawWaiting)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<30 {
                    group.addTask { try await pool.runQuery("SELECT pg_sleep(0.02)") }
                }
                try await group.waitForAll()
            }
            monitor.cancel()
            let (maxOpen, sawWaiting) = await monitor.value
            #expect(maxOpen <= 3)
            #expect(maxOpen >= 1)
            #expect(sawWaiting, "30 tasks on 3 connections should have had to wait")
        }
    }

    @Test func leaseTimesOutWhenEveryConnectionIsHeld() async throws {
        try await withTestPool(maxConnections: 1, leaseTimeout: .milliseconds(200)) { pool in
            let holder = Task { try await pool.runQuery("SELECT pg_sleep(2)") }
            while await pool.statistics().inUse < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let clock = ContinuousClock()
            let started = clock.now
            let error = try await pgError { try await pool.runQuery("SELECT 1") }
            let waited = clock.now - started
            #expect(error.code == .poolTimeout)
            #expect(error.isUnavailable)
            #expect(waited >= .milliseconds(150), "gave up after \(waited)")
            #expect(waited < .milliseconds(1500), "waited \(waited), not the 200 ms lease timeout")
            _ = try await holder.value
            // The held connection came back and serves again.
            #expect(try await pool.scalar("SELECT 1 AS v", as: Int.self) == 1)
            let stats = await pool.statistics()
            #expect(stats.waiting == 0)
            #expect(stats.open == 1)
        }
    }

    @Test func waiterGetsTheConnectionWhenItIsReturned() async throws {
        try await withTestPool(maxConnections: 1, leaseTimeout: .seconds(5)) { pool in
            let holding = Counter()
            let holder = Task {
                try await pool.withConnection { c in
                    let pid = try await c.backendPID()
                    await holding.increment()
                    try await c.query("SELECT pg_sleep(0.5)")
                    return pid
                }
            }
            while await holding.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let waiter = Task { try await pool.withConnection { try await $0.backendPID() } }
            var sawWaiting = false
            for _ in 0..<100 where !sawWaiting {
                sawWaiting = await pool.statistics().waiting == 1
                if !sawWaiting { try await Task.sleep(for: .milliseconds(2)) }
            }
            #expect(sawWaiting)
            let heldPID = try await holder.value
            let waiterPID = try await waiter.value
            #expect(waiterPID == heldPID, "the waiter should get the same, returned connection")
            #expect(await pool.statistics().open == 1)
        }
    }

    @Test func idleConnectionsAreReused() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            var pids: Set<Int> = []
            for _ in 0..<10 {
                pids.insert(try await pool.withConnection { try await $0.backendPID() })
            }
            #expect(pids.count == 1)
            #expect(await pool.statistics().open == 1)
        }
    }

    @Test func connectionLeftInsideATransactionIsDroppedNotReused() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.runQuery("CREATE TABLE t (id int)")
            let oldPID = try await pool.withConnection { c in
                try await c.query("BEGIN")
                try await c.query("INSERT INTO t VALUES (1)")
                return try await c.backendPID()
                // No COMMIT: the pool must not hand this session to anyone else.
            }
            try await Task.sleep(for: .milliseconds(20))
            try await pool.withConnection { c in
                let newPID = try await c.backendPID()
                #expect(newPID != oldPID)
                // A fresh session with no transaction open.
                try await expectNoOpenTransaction(c)
                // The uncommitted insert was never committed.
                #expect(try await c.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 0)
                // And the old session was closed, not leaked.
                let gone = try await eventually(within: .seconds(3)) {
                    let n = try await c.scalar(
                        "SELECT count(*) AS v FROM pg_stat_activity WHERE pid = \(oldPID)", as: Int.self)
                    if n != 0 { throw ExpectedAnError() }
                    return true
                }
                #expect(gone)
            }
            #expect(await pool.statistics().open == 1)
        }
    }

    @Test func connectionLeftInAFailedTransactionIsDropped() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let oldPID = try await pool.withConnection { c in
                try await c.query("BEGIN")
                _ = try? await c.query("SELECT 1 / 0")
                return try? await c.backendPID()  // fails: the transaction is aborted
            }
            #expect(oldPID == nil)
            // The next lease works at once (the aborted session was not handed out).
            #expect(try await pool.scalar("SELECT 1 AS v", as: Int.self) == 1)
        }
    }

    @Test func errorThrownFromTheBodyReturnsTheConnection() async throws {
        struct Oops: Error {}
        try await withTestPool(maxConnections: 1, leaseTimeout: .milliseconds(500)) { pool in
            let pid = try await pool.withConnection { try await $0.backendPID() }
            await #expect(throws: Oops.self) {
                try await pool.withConnection { _ in throw Oops() }
            }
            let failed = try await pgError { try await pool.runQuery("SELEC 1") }
            #expect(failed.code == .syntaxError)
            // Neither leaked the only connection, and it is the same session.
            #expect(try await pool.withConnection { try await $0.backendPID() } == pid)
            #expect(await pool.statistics().inUse == 0)
        }
    }

    @Test func pooledConnectionWhoseBackendWasTerminatedIsReplacedTransparently() async throws {
        // ConnectionPool.lease probes an idle connection before handing it out, so a
        // session the server closed while it sat in the pool must not fail the next query.
        try await withTestPool(maxConnections: 2) { pool in
            let pid = try await pool.withConnection { try await $0.backendPID() }
            // Kill it from a second connection while the first sits idle in the pool.
            try await pool.withConnection { c1 in
                try await pool.withConnection { c2 in
                    let victim = try await c1.backendPID()
                    #expect(victim == pid)
                    // c1 stays leased while c2 kills its backend; c1 goes back to the pool last,
                    // so it is the one the next lease gets.
                    let terminated = try await c2.scalar(
                        "SELECT pg_terminate_backend(\(victim), 5000) AS v", as: Bool.self)
                    #expect(terminated)
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            let result = try await pool.withConnection { c -> Result<Int, any Error> in
                do { return .success(try await c.backendPID()) } catch { return .failure(error) }
            }
            switch result {
            case .success(let newPID):
                #expect(newPID != pid)
            case .failure(let error):
                Issue.record("the first query after the backend was terminated failed: \(error)")
            }
            // Either way, the pool heals.
            let again = try await pool.withConnection { try await $0.backendPID() }
            #expect(again != pid)
        }
    }

    @Test func failedConnectAttemptFreesItsSlot() async throws {
        try await withDatabaseGate {
            var config = try await TestDatabases.shared.emptyDatabase()
            config.database = "no_such_database_\(UInt32.random(in: 0...UInt32.max))"
            let pool = ConnectionPool(
                configuration: config, maxConnections: 1, leaseTimeout: .milliseconds(300), logger: Logger(label: "test"))
            for _ in 0..<3 {
                let clock = ContinuousClock()
                let started = clock.now
                let error = try await pgError { try await pool.runQuery("SELECT 1") }
                #expect(error.code == .connectionFailed, "got \(error.code), a leaked slot would give poolTimeout")
                #expect(error.isUnavailable)
                #expect(clock.now - started < .seconds(2))
            }
            let stats = await pool.statistics()
            #expect(stats.open == 0)
            await pool.shutdown()
        }
    }

    @Test func shutdownRefusesNewLeasesAndWakesWaiters() async throws {
        try await withDatabaseGate {
            let config = try await TestDatabases.shared.emptyDatabase()
            let pool = ConnectionPool(
                configuration: config, maxConnections: 1, leaseTimeout: .seconds(10), logger: Logger(label: "test"))
            let holder = Task { try await pool.runQuery("SELECT pg_sleep(0.5)") }
            while await pool.statistics().inUse < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let waiter = Task { try await pool.runQuery("SELECT 1") }
            while await pool.statistics().waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let clock = ContinuousClock()
            let started = clock.now
            await pool.shutdown()
            let waiterError = try await pgError { _ = try await waiter.value }
            #expect(waiterError.code == .poolClosed)
            #expect(waiterError.isUnavailable)
            _ = try? await holder.value
            let after = try await pgError { try await pool.runQuery("SELECT 1") }
            #expect(after.code == .poolClosed)
            #expect(clock.now - started < .seconds(5))
        }
    }

    @Test func sessionIsPinnedToUTF8ISODatesAndUTC() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.runQuery(
                """
                SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds,
                    current_setting('client_encoding') AS enc, current_setting('application_name') AS app
                """).first)
            #expect(["UTC", "Etc/UTC"].contains(try row.decode("tz", as: String.self)))
            #expect(try row.decode("ds", as: String.self).hasPrefix("ISO"))
            #expect(try row.decode("enc", as: String.self) == "UTF8")
            #expect(try row.decode("app", as: String.self) == "baton")
            let version = try await pool.withConnection { $0.serverVersion }
            #expect(version >= 100_000)
        }
    }

    /// A server (or a PgBouncer in front of it) whose sessions start in another time
    /// zone and date style still gives Baton UTC and ISO dates.
    @Test func sessionThatStartsInAnotherTimeZoneIsSetToUTC() async throws {
        try await withDatabaseGate {
            var config = try await TestDatabases.shared.emptyDatabase()
            config.extra["options"] = "-c TimeZone=Europe/Paris -c DateStyle=German"
            let pool = ConnectionPool(configuration: config, maxConnections: 1, logger: Logger(label: "test"))
            let row = try #require(try await pool.runQuery(
                "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, '2026-02-01'::date::text AS d").first)
            #expect(try row.decode("tz", as: String.self) == "UTC")
            #expect(try row.decode("ds", as: String.self).hasPrefix("ISO"))
            #expect(try row.decode("d", as: String.self) == "2026-02-01")
            await pool.shutdown()
        }
    }

    @Test func extraOptionsFromTheConfigurationReachTheSession() async throws {
        try await withDatabaseGate {
            var config = try await TestDatabases.shared.emptyDatabase()
            config.extra["options"] = "-c statement_timeout=4321"
            config.applicationName = "baton-tests"
            let pool = ConnectionPool(configuration: config, maxConnections: 1, logger: Logger(label: "test"))
            let row = try #require(try await pool.runQuery(
                "SELECT current_setting('statement_timeout') AS st, current_setting('application_name') AS app, current_setting('TimeZone') AS tz").first)
            #expect(try row.decode("st", as: String.self) == "4321ms")
            #expect(try row.decode("app", as: String.self) == "baton-tests")
            #expect(["UTC", "Etc/UTC"].contains(try row.decode("tz", as: String.self)))
            await pool.shutdown()
        }
    }
}

import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// These tests stop and start a server, so each runs its own private cluster and
/// never touches the shared one that other tests use.
@Suite struct ServerRestartTests {
    @Test func poolFailsFastWhileTheServerIsDownAndServesAgainAfterRestart() async throws {
        try await withPrivateCluster { cluster, config in
            let pool = ConnectionPool(
                configuration: config, maxConnections: 2, leaseTimeout: .seconds(2), logger: Logger(label: "test"))
            do {
                try await pool.runQuery("CREATE TABLE survives (id int)")
                try await pool.runQuery("INSERT INTO survives VALUES (1)")
                let pidBefore = try await pool.withConnection { try await $0.backendPID() }

                await cluster.stopOffPool()
                #expect(cluster.serverPID() == nil)

                // Every query fails, quickly, with an error that says "unavailable".
                let clock = ContinuousClock()
                for _ in 0..<3 {
                    let started = clock.now
                    let error = try await pgError { try await pool.runQuery("SELECT 1") }
                    let took = clock.now - started
                    #expect(error.isUnavailable, "got \(error.code) (\(error.message))")
                    #expect(took < .seconds(3), "failing took \(took)")
                }
                let stats = await pool.statistics()
                #expect(stats.inUse == 0)

                try await cluster.startOffPool()
                let started = clock.now
                let pidAfter = try await eventually(within: .seconds(5), every: .milliseconds(100)) {
                    try await pool.withConnection { try await $0.backendPID() }
                }
                #expect(clock.now - started < .seconds(5))
                #expect(pidAfter != pidBefore)
                #expect(try await pool.scalar("SELECT count(*) AS v FROM survives", as: Int.self) == 1)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    @Test func queryInFlightWhenTheServerStopsFailsAsUnavailable() async throws {
        try await withPrivateCluster { cluster, config in
            let pool = ConnectionPool(configuration: config, maxConnections: 2, logger: Logger(label: "test"))
            do {
                let sleeping = Task { try await pool.runQuery("SELECT pg_sleep(30)") }
                // Wait until the sleep is really running on the server.
                _ = try await eventually(within: .seconds(5), every: .milliseconds(20)) {
                    let n = try await pool.scalar(
                        "SELECT count(*) AS v FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()",
                        as: Int.self)
                    if n == 0 { throw ExpectedAnError() }
                    return n
                }
                let clock = ContinuousClock()
                let started = clock.now
                await cluster.stopOffPool()  // fast shutdown: running backends are terminated
                let error = try await pgError { _ = try await sleeping.value }
                #expect(error.isUnavailable, "got \(error.code) (\(error.message))")
                #expect(clock.now - started < .seconds(10))
                let stats = await pool.statistics()
                #expect(stats.inUse == 0)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    @Test func firstQueryAfterARestartDoesNotFailOnAStalePooledConnection() async throws {
        // The pool probes idle connections before lending them ("so the pool heals
        // itself after the server restarts"): an idle connection from before the
        // restart must be replaced, not handed out to fail.
        try await withPrivateCluster { cluster, config in
            let pool = ConnectionPool(configuration: config, maxConnections: 1, logger: Logger(label: "test"))
            do {
                let pidBefore = try await pool.withConnection { try await $0.backendPID() }
                await cluster.stopOffPool()
                try await cluster.startOffPool()
                do {
                    let pidAfter = try await pool.withConnection { try await $0.backendPID() }
                    #expect(pidAfter != pidBefore)
                } catch {
                    Issue.record("the first query after a restart failed: \(error) (\((error as? PostgresError)?.message ?? ""))")
                }
                // Whatever happened, the pool serves the query after that.
                #expect(try await pool.scalar("SELECT 1 AS v", as: Int.self) == 1)
                // And a transaction retries past a stale connection by itself.
                await cluster.stopOffPool()
                try await cluster.startOffPool()
                let value = try await pool.withTransaction { try await $0.scalar("SELECT 2 AS v", as: Int.self) }
                #expect(value == 2)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }
}

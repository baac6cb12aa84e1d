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

    @Test func theSupervisorRestartsAKilledPostmasterAndThePoolServesAgain() async throws {
        try await withPrivateCluster { cluster, config in
            var logger = Logger(label: "supervisor")
            logger.logLevel = .critical
            let pool = ConnectionPool(configuration: config, maxConnections: 2, leaseTimeout: .seconds(2), logger: logger)
            let supervisor = EmbeddedClusterSupervisor(cluster: cluster, pollInterval: .milliseconds(100), logger: logger)
            let supervising = Task { try await supervisor.run() }
            // The supervisor must be gone before the cluster is stopped for good, or it would start it again.
            func stopSupervising() async {
                supervising.cancel()
                _ = try? await supervising.value
                await pool.shutdown()
            }
            do {
                try await pool.runQuery("CREATE TABLE survives (id int)")
                try await pool.runQuery("INSERT INTO survives VALUES (1)")
                // The test cluster runs with synchronous_commit off: put the rows on disk before the crash.
                try await pool.runQuery("CHECKPOINT")
                for _ in 0..<2 {
                    let killed = try #require(cluster.serverPID())
                    #expect(kill(killed, SIGKILL) == 0)
                    let clock = ContinuousClock()
                    let started = clock.now
                    // Nobody calls start(): the supervisor notices, clears the stale pid file and starts it.
                    // (A backend of the dead postmaster may still answer for a moment: ask the new one.)
                    let (restarted, count) = try await eventually(within: .seconds(15), every: .milliseconds(100)) {
                        guard let now = cluster.serverPID(), now != killed else { throw ExpectedAnError() }
                        return (now, try await pool.scalar("SELECT count(*) AS v FROM survives", as: Int.self))
                    }
                    #expect(count == 1)
                    #expect(clock.now - started < .seconds(15))
                    #expect(restarted != killed)
                }
            } catch {
                await stopSupervising()
                throw error
            }
            await stopSupervising()
        }
    }

    @Test func aPostmasterThatIsAZombieDoesNotCountAsRunning() async throws {
        // A killed postmaster that nobody has reaped keeps its PID and its name.
        // Taking it for a running server would leave the cluster down for ever.
        try await withPrivateCluster { cluster, _ in
            let pid = try #require(cluster.serverPID())
            #expect(kill(pid, SIGKILL) == 0)
            _ = try await eventually(within: .seconds(5), every: .milliseconds(50)) {
                if cluster.serverPID() != nil { throw ExpectedAnError() }
                return true
            }
            #expect(!cluster.isRunning())
            try await cluster.startOffPool()
            #expect(cluster.isRunning())
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

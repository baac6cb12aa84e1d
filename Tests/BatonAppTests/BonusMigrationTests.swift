import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// `sql/0019`: plans that existed before membership keep the people they paid, and an
/// adjustment still open is posted to its plan's first draft run.
@Suite struct BonusMigrationTests {
    @Test func existingPlansKeepTheirPeopleAndOpenAdjustmentsFindTheirRun() async throws {
        let logger = Logger(label: "bonus-migration")
        // The cluster's roles first (sql/0012 creates one, cluster-wide): migrating this database
        // while another test makes the template would race on that creation.
        _ = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        let database = try await TestDatabases.shared.emptyDatabase()
        let pool = ConnectionPool(configuration: database, maxConnections: 2, logger: logger)
        do {
            let all = try Migrator(directory: TestApp.sqlDirectory, logger: logger)
            _ = try await Migrator(migrations: all.migrations.filter { $0.file < "0019" }, logger: logger).migrate(pool)
            try await pool.withConnection { db in
                for (email, name, roles) in [("pm@x.test", "Pat PM", "{project_manager}"), ("left@x.test", "Lee Left", "{consultant}"),
                                             ("sales@x.test", "Sam Sales", "{sales}")] {
                    try await db.query("""
                        INSERT INTO users (email, name, roles, calendar_token) VALUES (\(email), \(name), \(roles)::text[], md5(\(email)))
                        """)
                }
                try await db.query("""
                    INSERT INTO periods (key, kind, start_date, end_date) VALUES
                        ('2026-Q1', 'quarter', '2026-01-01', '2026-04-01'), ('2026-Q2', 'quarter', '2026-04-01', '2026-07-01')
                    """)
                try await db.query("""
                    INSERT INTO bonus_plans (name, method, period_type, target_bonus, threshold, tiers, late_credit_percent)
                    VALUES ('PM quarterly', 'marginal', 'quarter', 10000, 0, '[{"from": "0", "to": null, "rate": "1"}]', 50)
                    """)
                // Lee was paid in Q1 (a project manager then); Q2 is a draft.
                try await db.query("""
                    INSERT INTO bonus_runs (plan_id, period_key, rules) VALUES (1, '2026-Q1', '{}'), (1, '2026-Q2', '{}')
                    """)
                try await db.query("""
                    INSERT INTO bonus_statements (run_id, user_id, target_bonus, credited, payout, body) VALUES (1, 2, 10000, 0, 0, '{}')
                    """)
                try await db.query("UPDATE bonus_runs SET status = 'approved' WHERE id = 1")
                try await db.query("""
                    INSERT INTO bonus_adjustments (plan_id, user_id, amount, reason) VALUES (1, 1, 100, 'Still open')
                    """)
            }
            let applied = try await Migrator(migrations: all.migrations.filter { $0.file < "0020" }, logger: logger).migrate(pool)
            #expect(applied.contains { $0.hasPrefix("0019") })
            try await pool.withConnection { db in
                let members = try await db.query("""
                    SELECT u.name, m.effective_from::text AS since, m.effective_to FROM bonus_plan_members m JOIN users u ON u.id = m.user_id
                    ORDER BY u.name
                    """).map { "\(try $0.decode("name", as: String.self)) from \(try $0.decode("since", as: String.self))" }
                #expect(members == ["Lee Left from 2026-01-01", "Pat PM from 2026-01-01"],
                        "the people a run paid and every project manager; not the seller")
                let posted: Int64? = try await db.query("SELECT run_id FROM bonus_adjustments WHERE reason = 'Still open'").first?.decode("run_id")
                #expect(posted == 2, "the open adjustment belongs to the plan's draft run")
                let metric: String? = try await db.query("SELECT metric FROM bonus_plans WHERE id = 1").first?.decode("metric")
                #expect(metric == "completed_work")
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }
}

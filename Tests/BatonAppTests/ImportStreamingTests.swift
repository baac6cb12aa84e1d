@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import PostgresTesting
import Testing

/// The store's side of a streamed import: a body that does not say its length
/// (chunked) is counted as it arrives, and refused once past the limit.
@Suite struct ImportStreamingTests {
    @Test func aBodyWithoutALengthIsCountedAsItStreamsAndRefusedPastTheLimit() async throws {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        let pool = ConnectionPool(configuration: database, maxConnections: 1, logger: Logger(label: "import-streaming"))
        defer { Task { await pool.shutdown() } }
        let caller = Caller(id: 1, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
        let file = Data(ImportTests.accountsFile(20_000).utf8)
        #expect(file.count > 1 << 20)
        let store = ImportStore(stages: StageStore())
        let error = try await #require(throws: APIError.self) {
            try await pool.withTransaction { db in
                try await store.run(db, kind: .accounts, body: DataChunks(data: file), maximumBytes: 1 << 20, dryRun: true,
                                    caller: caller, today: Timestamp.now.calendarDate)
            }
        }
        #expect(error.status == .contentTooLarge)
        #expect(error.detail.contains("1 MB"))
        let fits = try await pool.withTransaction { db in
            try await store.run(db, kind: .accounts, body: DataChunks(data: file), maximumBytes: 2 << 20, dryRun: true,
                                caller: caller, today: Timestamp.now.calendarDate)
        }
        // The refused import had a batch on its way to the staging table when the limit
        // was passed; the pool's only connection, free again, served the second.
        #expect(fits.valid == 20_000)
    }

    /// An import analyzes the tables it grew only when their statistics do not describe
    /// them: never analyzed, or the load is at least half the rows they counted.
    @Test func aLoadIsAnalyzedOnlyWhenTheStatisticsDoNotDescribeIt() async throws {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        let pool = ConnectionPool(configuration: database, maxConnections: 1, logger: Logger(label: "import-analyze"))
        defer { Task { await pool.shutdown() } }
        func counted(_ table: String) async throws -> Double {
            try await pool.withConnection { db in
                try await db.query("SELECT reltuples::float8 AS n FROM pg_class WHERE oid = \(table)::regclass").first?.decode("n") ?? -2
            }
        }
        func add(_ rows: Int) async throws {
            try await pool.withConnection { db in
                try await db.query("""
                    INSERT INTO audit_log (entity, entity_id, action) SELECT 'account', i, 'create' FROM generate_series(1, \(rows)) i
                    """)
            }
        }
        func analyzeAfter(_ written: Int) async throws {
            try await pool.withConnection { db in try await ImportStore.analyzeIfStale(db, kind: .accounts, written: written) }
        }
        #expect(try await counted("accounts") < 0, "a new database's accounts were never analyzed")
        try await analyzeAfter(10_001)
        #expect(try await counted("accounts") >= 0)

        try await add(30_000)
        try await pool.withConnection { db in try await db.execute(unsafeSQL: "ANALYZE audit_log") }
        #expect(try await counted("audit_log") == 30_000)
        try await add(12_000)
        try await analyzeAfter(12_000)
        #expect(try await counted("audit_log") == 30_000, "12,000 rows on 30,000 counted: left to autovacuum")
        try await add(20_000)
        try await analyzeAfter(20_000)
        #expect(try await counted("audit_log") == 62_000, "20,000 rows on 30,000 counted: analyzed")
    }

    /// The tables visibility reads grow with an import's records but are not its rows: an
    /// import analyzes them when the rows it added to them (or took from them) are at least
    /// half of what their statistics counted. Before, the accounts and the audit trail were
    /// analyzed and the 60,000 new rows of account_viewers below were planned as the few
    /// the statistics counted.
    @Test func theVisibilityTablesAnImportGrewAreAnalyzedByTheRowsItAddedToThem() async throws {
        try await TestApp.run { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "import-viewers"))
            defer { Task { await pool.shutdown() } }
            func statistics(_ table: String) async throws -> (counted: Double, rows: Double) {
                try await pool.withConnection { db in
                    let row = try await db.expectRow("""
                        SELECT reltuples::float8 AS counted, (SELECT count(*) FROM \(unsafeSQL: table))::float8 AS rows
                        FROM pg_class WHERE oid = \(table)::regclass
                        """)
                    return (try row.decode("counted"), try row.decode("rows"))
                }
            }
            try await pool.withConnection { db in try await db.execute(unsafeSQL: "ANALYZE account_viewers") }
            let before = try await statistics("account_viewers")
            #expect(before.counted == before.rows)
            let admin = try await app.id(of: "admin@demo.test", token: "")
            let caller = Caller(id: admin, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
            // 20,000 accounts owned by Ana, who reports to Morgan: each account is seen by both
            // (and by anyone above them).
            let report = try await pool.withTransaction { db in
                try await ImportStore(stages: StageStore()).run(db, kind: .accounts, data: Data(ImportTests.accountsFile(20_000).utf8),
                                                                dryRun: false, caller: caller, today: Timestamp.now.calendarDate)
            }
            #expect(report.created == 20_000)
            let after = try await statistics("account_viewers")
            #expect(after.rows >= before.rows + 40_000, "\(after)")
            #expect(after.counted == after.rows, "analyzed after the import: \(before) -> \(after)")
            // A small change to a large table is left to autovacuum, as for the import's own tables.
            let small = try await pool.withTransaction { db in
                try await ImportStore(stages: StageStore()).run(
                    db, kind: .accounts, data: Data(ImportTests.accountsFile(11_000, row: { "more-\($0),More \($0),m\($0).example,,active" }).utf8),
                    dryRun: false, caller: caller, today: Timestamp.now.calendarDate)
            }
            #expect(small.created == 11_000)
            #expect(try await statistics("account_viewers").counted == after.counted,
                    "at most 11,000 rows on the 60,000 counted: left to autovacuum")
        }
    }
}

/// What the account, contact and opportunity routes call before they store an
/// external id (issue 14, item 9).
@Suite struct ExternalIDGuardTests {
    @Test func anIdHeldByAnUnseenRecordIsRefusedLikeOneThatNamesNothing() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/accounts", token: ana,
                                          json: #"{"name": "Northwind", "externalId": "crm-77"}"#).status == .created)
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "guard"))
            defer { Task { await pool.shutdown() } }
            func person(_ email: String) async throws -> Caller {
                let id = try await app.id(of: email, token: ana)
                return Caller(id: id, name: email, email: email, roles: [.accountManager], credential: .apiToken(id: 0))
            }
            let ben = try await person("ben.okafor@demo.test")
            let anaCaller = try await person("ana.torres@demo.test")
            func store(_ given: String?, use: ExternalIDRules.Use = .create, current: String? = nil, as caller: Caller) async throws -> String? {
                try await pool.withTransaction { db in
                    try await ExternalIDGuard.externalIDToStore(db, given: given, kind: .accounts, use: use, current: current, caller: caller)
                }
            }
            let hidden = try await #require(throws: APIError.self) { try await store("crm-77", as: ben) }
            #expect(hidden.status == .unprocessableContent)
            #expect(hidden.errors == [FieldError("externalId", ExternalIDRules.notUsable("crm-77", kind: "account"))])
            let seen = try await #require(throws: APIError.self) { try await store("crm-77", as: anaCaller) }
            #expect(seen.status == .conflict)
            let reserved = try await #require(throws: APIError.self) { try await store("baton:1", as: anaCaller) }
            #expect(reserved.errors == [FieldError("externalId", ExternalIDRules.reservedMessage)])
            #expect(try await store(" crm-78 ", as: ben) == "crm-78")
            #expect(try await store("baton:5", use: .update(recordID: 5), current: "crm-5", as: ben) == "crm-5")
            #expect(try await store("crm-77", use: .update(recordID: 9), current: "crm-77", as: anaCaller) == "crm-77")
            #expect(try await store("", as: ben) == nil)
        }
    }
}

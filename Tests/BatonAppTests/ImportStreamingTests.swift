@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
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
        #expect(fits.valid == 20_000)
    }
}

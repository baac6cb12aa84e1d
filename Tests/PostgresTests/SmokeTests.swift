import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct SmokeTests {
    @Test func selectsOneThroughAPool() async throws {
        let configuration = try await TestDatabases.shared.emptyDatabase()
        let pool = ConnectionPool(configuration: configuration, maxConnections: 2, logger: Logger(label: "t"))
        let value = try await pool.withConnection { try await $0.query("SELECT \(41) + 1 AS answer").first!.decode("answer", as: Int.self) }
        #expect(value == 42)
        await pool.shutdown()
    }
}

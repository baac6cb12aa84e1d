import BatonApp
import Foundation
import Postgres
import Testing

/// `baton import` takes the API's value mapping from a JSON file (`--mapping`), so a file
/// the API would import with `?mapping=` imports from the command line too.
@Suite struct ImportCommandTests {
    @Test func aValueMappingFileMapsAValueTheImportDoesNotKnow() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("deals.csv").path
        try """
            Id,AccountId,Name,StageName,Amount,CloseDate,Type
            006M01,,Partner rollout,Prospecting,1000,2027-03-31,Partner Deal

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let mapping = folder.appendingPathComponent("mapping.json").path
        try #"{"Type": {"Partner Deal": "new_business"}}"#.write(toFile: mapping, atomically: true, encoding: .utf8)

        let box = DatabaseBox()
        try await TestApp.run(business: true) { app in await box.set(app.database) }
        let database = try #require(await box.database)
        let tasks = BackupTests.tasks(for: database)

        let unmapped = try await tasks.importFile(kind: "opportunities", path: csv, dryRun: true, as: nil)
        #expect(unmapped.report.contains("Partner Deal"), "without the mapping the value is a row error naming it")
        let mapped = try await tasks.importFile(kind: "opportunities", path: csv, mappingPath: mapping, dryRun: true, as: nil)
        #expect(!mapped.report.contains("Partner Deal"), "\(mapped.report)")

        try "not json".write(toFile: mapping, atomically: true, encoding: .utf8)
        await #expect(throws: (any Error).self) {
            _ = try await tasks.importFile(kind: "opportunities", path: csv, mappingPath: mapping, dryRun: true, as: nil)
        }
    }
}

import Foundation
import Postgres
import PostgresTesting
import Testing

/// Every function and trigger in the schema has its one current definition in
/// `sql/functions/`, so a reader never has to find which migration restated it last.
@Suite struct SchemaDefinitionsTests {
    @Test func everyFunctionAndTriggerIsDefinedInTheRepeatableFolder() async throws {
        let folder = TestApp.sqlDirectory.appendingPathComponent("functions")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        let text = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
        try await TestApp.run(demo: false) { app in
            let functions = try await app.sql("""
                SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
                """).map { try $0.decode("name", as: String.self) }
            let triggers = try await app.sql("""
                SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
                """).map { try $0.decode("name", as: String.self) }
            #expect(!functions.isEmpty && !triggers.isEmpty)
            for name in functions {
                #expect(text.contains("FUNCTION public.\(name)("), "function \(name) has no definition in sql/functions/")
            }
            for name in triggers {
                #expect(text.contains("TRIGGER \(name) "), "trigger \(name) has no definition in sql/functions/")
            }
        }
    }
}

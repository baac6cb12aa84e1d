import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@Suite struct OperationsTests {
    @Test func healthAndReadinessAnswer() async throws {
        try await TestApp.run(demo: false) { app in
            #expect(try await app.request(.get, "/healthz").status == .ok)
            let ready = try await app.request(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(try ready.object["status"] as? String == "ready")
        }
    }

    @Test func readinessFailsWhileAMigrationIsMissing() async throws {
        try await TestApp.run(demo: false) { app in
            try await app.sql("DELETE FROM schema_migrations WHERE file = (SELECT max(file) FROM schema_migrations)")
            let r = try await app.request(.get, "/readyz")
            #expect(r.status == .serviceUnavailable)
        }
    }

    @Test func metricsShowRequestsAndThePool() async throws {
        try await TestApp.run(demo: false) { app in
            _ = try await app.request(.get, "/readyz")
            let metrics = try await app.request(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("baton_db_pool_in_use_connections"))
            #expect(metrics.text.contains("baton_db_pool_waiting_connections"))
        }
    }

    @Test func theOpenAPIDocumentIsServed() async throws {
        try await TestApp.run(demo: false) { app in
            let r = try await app.request(.get, "/openapi.yaml")
            #expect(r.status == .ok)
            #expect(r.text.hasPrefix("openapi: 3.1") || r.text.contains("\nopenapi: 3.1") || r.text.contains("openapi: \"3.1"))
        }
    }

    @Test func responsesCarrySecurityHeaders() async throws {
        try await TestApp.run(demo: false) { app in
            let r = try await app.request(.get, "/healthz")
            #expect(r.headers[.xContentTypeOptions] == "nosniff")
            #expect(r.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        }
    }
}

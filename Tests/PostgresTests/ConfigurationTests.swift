import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct ConnectionConfigurationTests {
    @Test func parsesEveryPartOfATCPURL() throws {
        let c = try ConnectionConfiguration(url: "postgres://baton_user:s3cret@db.internal:5433/baton_prod?sslmode=require")
        #expect(c.host == "db.internal")
        #expect(c.port == 5433)
        #expect(c.user == "baton_user")
        #expect(c.password == "s3cret")
        #expect(c.database == "baton_prod")
        #expect(c.sslMode == "require")
        #expect(c.applicationName == "baton")
        #expect(c.connectTimeoutSeconds == 5)
        #expect(c.extra.isEmpty)
    }

    @Test func acceptsThePostgresqlSchemeAndMissingParts() throws {
        let c = try ConnectionConfiguration(url: "postgresql://localhost/crm")
        #expect(c.host == "localhost")
        #expect(c.port == nil)
        #expect(c.user == nil)
        #expect(c.password == nil)
        #expect(c.database == "crm")
        #expect(c.sslMode == nil)
        let bare = try ConnectionConfiguration(url: "postgres://")
        #expect(bare.host == nil)
        #expect(bare.database == nil)
    }

    @Test func decodesPercentEncodedUserPasswordAndDatabase() throws {
        let c = try ConnectionConfiguration(url: "postgres://us%40er:p%40ss%3Aw%2Fd%20%23%25@host:5432/my%20db")
        #expect(c.user == "us@er")
        #expect(c.password == "p@ss:w/d #%")
        #expect(c.database == "my db")
    }

    @Test func readsAUnixSocketDirectoryFromTheQuery() throws {
        let c = try ConnectionConfiguration(url: "postgres:///baton?host=/var/run/postgresql&user=baton")
        #expect(c.host == "/var/run/postgresql")
        #expect(c.user == "baton")
        #expect(c.database == "baton")
        #expect(c.port == nil)
        let encoded = try ConnectionConfiguration(url: "postgres://%2Ftmp%2Fsock%20dir/db")
        #expect(encoded.host == "/tmp/sock dir")
    }

    @Test func queryParametersOverrideAndExtend() throws {
        let c = try ConnectionConfiguration(
            url: "postgres://a@h/d?port=6543&dbname=other&password=pw&application_name=worker&connect_timeout=12&target_session_attrs=read-write&options=-c%20search_path%3Dcrm")
        #expect(c.port == 6543)
        #expect(c.database == "other")
        #expect(c.password == "pw")
        #expect(c.applicationName == "worker")
        #expect(c.connectTimeoutSeconds == 12)
        #expect(c.extra == ["target_session_attrs": "read-write", "options": "-c search_path=crm"])
    }

    @Test func bracketedIPv6HostLosesItsBrackets() throws {
        // libpq wants the bare address in its "host" keyword.
        let c = try ConnectionConfiguration(url: "postgres://u@[::1]:5433/db")
        #expect(c.host == "::1")
        #expect(c.port == 5433)
    }

    @Test(arguments: [
        "mysql://root@localhost/db", "http://localhost/db", "localhost:5432/db", "", "file:///tmp/db", "POSTGRES-X://h/d",
    ])
    func refusesAnythingButAPostgresURL(_ text: String) {
        #expect(throws: ConnectionConfiguration.InvalidURL.self) { try ConnectionConfiguration(url: text) }
    }

    @Test func refusesNonNumericPortAndTimeout() {
        #expect(throws: ConnectionConfiguration.InvalidURL.self) {
            try ConnectionConfiguration(url: "postgres://h/d?port=abc")
        }
        #expect(throws: ConnectionConfiguration.InvalidURL.self) {
            try ConnectionConfiguration(url: "postgres://h/d?connect_timeout=soon")
        }
        #expect(throws: (any Error).self) { try ConnectionConfiguration(url: "postgres://h:notaport/d") }
    }

    @Test func invalidURLErrorSaysWhy() {
        do {
            _ = try ConnectionConfiguration(url: "mysql://root:pw@localhost/db")
            Issue.record("expected a refusal")
        } catch let error as ConnectionConfiguration.InvalidURL {
            #expect(error.description.contains("postgres://"))
            #expect(!error.description.contains("pw"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func redactedHidesThePassword() throws {
        let c = try ConnectionConfiguration(url: "postgres://admin:TopSecret!@db.example.com:5433/crm?sslmode=require")
        #expect(c.redacted == "postgres://admin:***@db.example.com:5433/crm")
        #expect(!c.redacted.contains("TopSecret"))
        let socket = try ConnectionConfiguration(url: "postgres:///baton?host=/var/run/postgresql&user=baton&password=hunter2")
        #expect(!socket.redacted.contains("hunter2"))
        #expect(socket.redacted.contains("host=/var/run/postgresql"))
        let noPassword = try ConnectionConfiguration(url: "postgres://admin@h/d")
        #expect(noPassword.redacted == "postgres://admin@h/d")
    }

    @Test func withDatabaseChangesOnlyTheDatabase() throws {
        let c = try ConnectionConfiguration(url: "postgres://u:p@h:1/a?sslmode=disable")
        let d = c.with(database: "b")
        #expect(d.database == "b")
        var expected = c
        expected.database = "b"
        #expect(d == expected)
        #expect(c.database == "a")
    }

    @Test func urlFromTheTestServerConnects() async throws {
        try await withDatabaseGate {
            // Build a URL for the test server (a unix socket) and connect through it.
            let config = try await TestDatabases.shared.emptyDatabase()
            let host = try #require(config.host)
            var url = "postgres:///\(try #require(config.database))?host=\(host)"
            if let user = config.user { url += "&user=\(user)" }
            if let port = config.port { url += "&port=\(port)" }
            let parsed = try ConnectionConfiguration(url: url)
            #expect(parsed.host == config.host)
            #expect(parsed.database == config.database)
            let pool = ConnectionPool(configuration: parsed, maxConnections: 1, logger: Logger(label: "test"))
            let name = try await pool.scalar("SELECT current_database() AS v", as: String.self)
            #expect(name == config.database)
            await pool.shutdown()
        }
    }
}

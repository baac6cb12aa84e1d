import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct PostgresErrorTests {
    static let schema = """
        CREATE TABLE companies (id int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE people (
            id int PRIMARY KEY,
            email text NOT NULL CONSTRAINT people_email_key UNIQUE,
            age int CONSTRAINT people_age_check CHECK (age >= 0),
            company_id int CONSTRAINT people_company_fk REFERENCES companies (id)
        );
        INSERT INTO companies VALUES (1, 'Acme');
        INSERT INTO people (id, email, age, company_id) VALUES (1, 'taken@example.com', 30, 1);
        """

    @Test func uniqueViolationNamesTheConstraint() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.execute(unsafeSQL: Self.schema)
                let error = try await pgError {
                    try await c.query("INSERT INTO people (id, email) VALUES (2, \("taken@example.com"))")
                }
                #expect(error.code == .uniqueViolation)
                #expect(error.sqlState == "23505")
                #expect(error.constraint == "people_email_key")
                #expect(error.table == "people")
                #expect(!error.isUnavailable)
                #expect(!error.isConnectionLevel)
                #expect(!error.isRetryableTransactionConflict)
                // The connection is still good after the failed statement.
                #expect(try await c.scalar("SELECT count(*) AS v FROM people", as: Int.self) == 1)
            }
        }
    }

    @Test func checkViolationNamesTheConstraint() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.execute(unsafeSQL: Self.schema)
                let error = try await pgError {
                    try await c.query("INSERT INTO people (id, email, age) VALUES (2, 'b@example.com', \(-1))")
                }
                #expect(error.code == .checkViolation)
                #expect(error.sqlState == "23514")
                #expect(error.constraint == "people_age_check")
            }
        }
    }

    @Test func foreignKeyViolationNamesTheConstraint() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.execute(unsafeSQL: Self.schema)
                let error = try await pgError {
                    try await c.query("INSERT INTO people (id, email, company_id) VALUES (2, 'b@example.com', \(99))")
                }
                #expect(error.code == .foreignKeyViolation)
                #expect(error.sqlState == "23503")
                #expect(error.constraint == "people_company_fk")
                let delete = try await pgError { try await c.query("DELETE FROM companies WHERE id = 1") }
                #expect(delete.code == .foreignKeyViolation)
            }
        }
    }

    @Test func notNullViolationNamesTheColumn() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.execute(unsafeSQL: Self.schema)
                let error = try await pgError {
                    try await c.query("INSERT INTO people (id, email) VALUES (2, \(String?.none))")
                }
                #expect(error.code == .notNullViolation)
                #expect(error.sqlState == "23502")
                #expect(error.column == "email")
                #expect(error.table == "people")
            }
        }
    }

    @Test func syntaxErrorIsSyntaxError() async throws {
        try await withTestPool { pool in
            let error = try await pgError { try await pool.runQuery("SELEC 1") }
            #expect(error.code == .syntaxError)
            #expect(error.sqlState == "42601")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func serverErrorsMapToStableCodes() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let missingTable = try await pgError { try await c.query("SELECT * FROM no_such_table") }
                #expect(missingTable.code == .undefinedObject)
                #expect(missingTable.sqlState == "42P01")
                let missingColumn = try await pgError { try await c.query("SELECT no_such_column FROM pg_class") }
                #expect(missingColumn.code == .undefinedObject)
                let badInt = try await pgError { try await c.query("SELECT \("abc")::int") }
                #expect(badInt.code == .invalidText)
                #expect(badInt.sqlState == "22P02")
                let badDate = try await pgError { try await c.query("SELECT \("2026-02-30")::date") }
                #expect(badDate.sqlState?.hasPrefix("22") == true)
                let raised = try await pgError {
                    try await c.query("DO $$ BEGIN RAISE EXCEPTION 'custom failure'; END $$")
                }
                #expect(raised.code == .raisedException)
                #expect(raised.message == "custom failure")
                let divide = try await pgError { try await c.query("SELECT 1 / \(0)") }
                #expect(divide.code == .server)
                #expect(divide.sqlState == "22012")
                let readOnly = try await pgError {
                    try await c.query("BEGIN READ ONLY")
                    do {
                        try await c.query("CREATE TABLE x (id int)")
                    } catch {
                        try await c.query("ROLLBACK")
                        throw error
                    }
                }
                #expect(readOnly.code == .readOnlyTransaction)
                let canceled = try await pgError {
                    try await c.query("SET statement_timeout = '50ms'")
                    do {
                        try await c.query("SELECT pg_sleep(2)")
                    } catch {
                        try await c.query("RESET statement_timeout")
                        throw error
                    }
                }
                #expect(canceled.code == .queryCanceled)
                #expect(canceled.sqlState == "57014")
                #expect(canceled.isUnavailable)
                // Errors with hints and details keep them.
                let hinted = try await pgError {
                    try await c.query("DO $$ BEGIN RAISE EXCEPTION 'm' USING DETAIL = 'the detail', HINT = 'the hint'; END $$")
                }
                #expect(hinted.detail == "the detail")
                #expect(hinted.hint == "the hint")
                // The connection survived all of that.
                #expect(try await c.scalar("SELECT 1 AS v", as: Int.self) == 1)
            }
        }
    }

    @Test func descriptionNeverContainsTheMessageOrTheValues() async throws {
        let secret = "very-secret-email-7d3f@example.com"
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.execute(unsafeSQL: Self.schema)
                try await c.query("INSERT INTO people (id, email) VALUES (2, \(secret))")
                let error = try await pgError {
                    try await c.query("INSERT INTO people (id, email) VALUES (3, \(secret))")
                }
                #expect(error.code == .uniqueViolation)
                // The server's words are kept for those who need them...
                #expect(error.detail?.contains(secret) == true)
                #expect(!error.message.isEmpty)
                // ...but nothing that reaches a log line or a response shows them.
                #expect(error.description == "PostgresError(uniqueViolation, SQLSTATE 23505)")
                for text in ["\(error)", String(describing: error), String(reflecting: error), error.localizedDescription] {
                    #expect(!text.contains(secret), "leaked: \(text)")
                    #expect(!text.contains(error.message), "leaked the message: \(text)")
                    #expect(!text.contains("people_email_key"))
                }
                let check = try await pgError {
                    try await c.query("INSERT INTO people (id, email, age) VALUES (4, \(secret + "x"), -5)")
                }
                #expect(check.code == .checkViolation)
                #expect(!"\(check)".contains(secret))
                #expect(!"\(check)".contains("-5"))
            }
        }
    }

    @Test func clientSideErrorsDescribeThemselvesWithoutSQLState() {
        let error = PostgresError(code: .poolTimeout, message: "no database connection became free in time")
        #expect(error.description == "PostgresError(poolTimeout)")
        #expect(error.isUnavailable)
        #expect(!error.isConnectionLevel)
        #expect(PostgresError(code: .adminShutdown, sqlState: "57P01", message: "m").isConnectionLevel)
        #expect(PostgresError(code: .server, sqlState: "08006", message: "m").isConnectionLevel)
        #expect(PostgresError(code: .serializationFailure, sqlState: "40001", message: "m").isRetryableTransactionConflict)
        #expect(PostgresError(code: .deadlockDetected, sqlState: "40P01", message: "m").isRetryableTransactionConflict)
        #expect(!PostgresError(code: .uniqueViolation, sqlState: "23505", message: "m").isUnavailable)
    }
}

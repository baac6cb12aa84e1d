import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

@Suite struct CopyTests {
    @Test func copyInLoadsCSVWithQuotedCommasAndUnicode() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (a int, b text)")
                let chunks = [
                    "1,plain\n",
                    "2,\"with, comma\"\n3,\"with \"\"quotes\"\"\"\n",
                    "4,Zoë 🎉 日本\n5,",  // a row split across chunks
                    "\"multi\nline\"\n",
                    "6,\n",  // empty unquoted field: NULL in CSV
                    "7,\"\"\n",  // quoted empty: empty string
                ]
                let count = try await c.copyIn("COPY t (a, b) FROM STDIN (FORMAT csv)", chunks: chunks)
                #expect(count == 7)
                let rows = try await c.query("SELECT a, b FROM t ORDER BY a")
                let values = try rows.map { (try $0.decode("a", as: Int.self), try $0.decode("b", as: String?.self)) }
                #expect(values.map(\.0) == [1, 2, 3, 4, 5, 6, 7])
                #expect(values.map(\.1) == ["plain", "with, comma", "with \"quotes\"", "Zoë 🎉 日本", "multi\nline", nil, ""])
            }
        }
    }

    @Test func copyInReturnsTheRowCountForManyRows() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (a int, b text)")
                let chunks = (0..<50).map { chunk in
                    (0..<200).map { i in "\(chunk * 200 + i)\tvalue \(i)\n" }.joined()
                }
                let count = try await c.copyIn("COPY t (a, b) FROM STDIN", chunks: chunks)
                #expect(count == 10_000)
                #expect(try await c.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 10_000)
                #expect(try await c.scalar("SELECT sum(a) AS v FROM t", as: Int.self) == (0..<10_000).reduce(0, +))
                let none = try await c.copyIn("COPY t (a, b) FROM STDIN", chunks: [String]())
                #expect(none == 0)
            }
        }
    }

    @Test func malformedChunkRaisesAndLeavesTheConnectionUsable() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (a int, b text)")
                let pid = try await c.backendPID()
                let error = try await pgError {
                    try await c.copyIn(
                        "COPY t (a, b) FROM STDIN (FORMAT csv)", chunks: ["1,ok\n", "not-a-number,bad\n", "3,ok\n"])
                }
                #expect(error.code == .invalidText)
                #expect(error.sqlState == "22P02")
                // Nothing was loaded: COPY is all or nothing.
                #expect(try await c.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 0)
                // Same session, still usable, and COPY works again on it.
                #expect(try await c.backendPID() == pid)
                let tooMany = try await pgError {
                    try await c.copyIn("COPY t (a, b) FROM STDIN (FORMAT csv)", chunks: ["1,a,extra\n"])
                }
                #expect(tooMany.sqlState?.hasPrefix("22") == true)
                let count = try await c.copyIn("COPY t (a, b) FROM STDIN (FORMAT csv)", chunks: ["9,fine\n"])
                #expect(count == 1)
            }
            // The connection went back to the pool in good order.
            let stats = await pool.statistics()
            #expect(stats.open == 1)
            #expect(stats.idle == 1)
        }
    }

    @Test func copyInRefusesStatementsThatAreNotCopyFromStdin() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { c in
                try await c.query("CREATE TABLE t (a int)")
                let notCopy = try await pgError { try await c.copyIn("SELECT 1", chunks: ["1\n"]) }
                #expect(notCopy.code == .copyFailed)
                let withBind = try await pgError {
                    try await c.copyIn("COPY t (a) FROM STDIN WHERE a > \(1)", chunks: ["1\n"])
                }
                #expect(withBind.code == .copyFailed)
                let broken = try await pgError { try await c.copyIn("COPY no_such_table FROM STDIN", chunks: ["1\n"]) }
                #expect(broken.code == .undefinedObject)
                #expect(try await c.scalar("SELECT 1 AS v", as: Int.self) == 1)
            }
        }
    }

    @Test func copyInsideATransactionRollsBackWithIt() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.runQuery("CREATE TABLE t (a int)")
            await #expect(throws: CustomFailure(id: 1)) {
                try await pool.withTransaction { c in
                    try await c.copyIn("COPY t (a) FROM STDIN", chunks: ["1\n2\n3\n"])
                    throw CustomFailure(id: 1)
                }
            }
            #expect(try await pool.scalar("SELECT count(*) AS v FROM t", as: Int.self) == 0)
        }
    }
}

@Suite struct ScriptTests {
    @Test func executeRunsSeveralStatementsAtOnce() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                try await c.execute(unsafeSQL: """
                    CREATE TABLE a (id int PRIMARY KEY);
                    CREATE TABLE b (id int REFERENCES a (id));
                    INSERT INTO a VALUES (1), (2);
                    INSERT INTO b VALUES (1);
                    -- a comment, and a function with semicolons inside dollar quotes
                    CREATE FUNCTION twice(x int) RETURNS int LANGUAGE plpgsql AS $$
                    BEGIN
                        RETURN x * 2;
                    END;
                    $$;
                    """)
                #expect(try await c.scalar("SELECT count(*) AS v FROM a", as: Int.self) == 2)
                #expect(try await c.scalar("SELECT count(*) AS v FROM b", as: Int.self) == 1)
                #expect(try await c.scalar("SELECT twice(21) AS v", as: Int.self) == 42)
            }
        }
    }

    @Test func failingScriptStopsAndLeavesNothingBehind() async throws {
        try await withTestPool { pool in
            try await pool.withConnection { c in
                let error = try await pgError {
                    try await c.execute(unsafeSQL: """
                        CREATE TABLE first_table (id int);
                        INSERT INTO first_table VALUES (1);
                        INSERT INTO first_table VALUES ('not a number');
                        CREATE TABLE never_created (id int);
                        """)
                }
                #expect(error.code == .invalidText)
                // A multi-statement string is one implicit transaction.
                #expect(try await c.scalar("SELECT to_regclass('first_table') IS NULL AS v", as: Bool.self))
                #expect(try await c.scalar("SELECT to_regclass('never_created') IS NULL AS v", as: Bool.self))
                let syntax = try await pgError { try await c.execute(unsafeSQL: "SELECT 1; SELEC 2;") }
                #expect(syntax.code == .syntaxError)
                try await c.execute(unsafeSQL: "")
                #expect(try await c.scalar("SELECT 1 AS v", as: Int.self) == 1)
            }
        }
    }
}

@Suite struct NoticeTests {
    @Test func serverNoticesAreLoggedNotThrown() async throws {
        let store = LogStore()
        try await withTestPool(logger: capturingLogger(store)) { pool in
            try await pool.runQuery("DO $$ BEGIN RAISE NOTICE 'hello from plpgsql'; END $$")
            try await pool.runQuery("DO $$ BEGIN RAISE WARNING 'careful now'; END $$")
            // A notice does not disturb the next query on the connection.
            #expect(try await pool.scalar("SELECT 5 AS v", as: Int.self) == 5)
            // COMMIT outside a transaction: a server warning, not an error.
            try await pool.runQuery("COMMIT")
        }
        let messages = store.messages
        #expect(messages.contains { $0.text.contains("hello from plpgsql") && $0.level == .info })
        #expect(messages.contains { $0.text.contains("careful now") && $0.level == .warning })
    }
}

import Logging
import NIOPosix
import Postgres
import PostgresTesting
import Testing

/// The relay between libpq and the server (`SocketRelay`) passes on the end of a
/// session as well as its statements: the rest of its behaviour (answers, large values
/// both ways, cancels, a server killed mid-statement, COPY) is checked by the suites
/// that run through it, `NonBlockingTests` both with it and without.
@Suite struct SocketRelayTests {
    @Test(arguments: [true, false])
    func closingAConnectionEndsItsServerSession(relayed: Bool) async throws {
        try await withDatabaseGate {
            var config = try await TestDatabases.shared.emptyDatabase()
            config.socketRelay = relayed
            let threads = NIOThreadPool(numberOfThreads: 1)
            threads.start()
            let logger = Logger(label: "test")
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let closing = try await Connection.connect(config, threadPool: threads, logger: logger, loop: loop)
            let watching = try await Connection.connect(config, threadPool: threads, logger: logger, loop: loop)
            let pid = try #require(try await closing.query("SELECT pg_backend_pid() AS v").first?.decode("v", as: Int.self))
            #expect(try await sessions(of: pid, seenBy: watching) == 1)
            closing.close()
            let left = try await eventually(within: .seconds(5)) {
                let count = try await sessions(of: pid, seenBy: watching)
                guard count == 0 else { throw ExpectedAnError() }
                return count
            }
            #expect(left == 0)
            watching.close()
            try await threads.shutdownGracefully()
        }
    }

    private func sessions(of pid: Int, seenBy connection: Connection) async throws -> Int {
        let rows = try await connection.query("SELECT count(*) AS v FROM pg_stat_activity WHERE pid = \(pid)")
        return try rows.first?.decode("v", as: Int.self) ?? -1
    }
}

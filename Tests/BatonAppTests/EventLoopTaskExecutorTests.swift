import NIOCore
import NIOPosix
import Postgres
import Testing

@testable import BatonApp

/// `baton serve` runs each connection's task on event loops (`EventLoopTaskExecutor`):
/// a task must come back from the database to the loop it waited on, or its response
/// would cross to the other loop to be written (the hop the executor is there to save).
@Suite struct EventLoopTaskExecutorTests {
    @Test func aTaskOnTheLoopsComesBackFromEachStatementToTheLoopItWaitedOn() async throws {
        try await TestApp.run(demo: false) { app in
            let services = try app.services(connections: 2, label: "event-loop-executor")
            let pool = services.pool
            defer { Task { await pool.shutdown() } }
            try await withTaskExecutorPreference(EventLoopTaskExecutor.shared) {
                // Opening a connection blocks a thread of the pool's own, and the task
                // resumes from that thread on whichever loop is next; the pool keeps it.
                _ = try await pool.withConnection { try await value(0, $0) }
                // Statements alone, in a transaction and several on one lease: each
                // waits on the socket watcher, whose thread is no loop.
                for i in 0..<20 {
                    let loop = try #require(MultiThreadedEventLoopGroup.currentEventLoop, "round \(i) did not start on a loop")
                    let answer: Int
                    switch i % 3 {
                    case 0: answer = try await pool.withConnection { try await value(i, $0) }
                    case 1: answer = try await pool.withTransaction { try await value(i, $0) }
                    default:
                        answer = try await pool.withConnection { db in
                            _ = try await db.query("SELECT 1")
                            return try await value(i, db)
                        }
                    }
                    #expect(answer == i)
                    #expect(MultiThreadedEventLoopGroup.currentEventLoop === loop, "round \(i) came back on another loop")
                }
            }
        }
    }

    private func value(_ i: Int, _ db: Connection) async throws -> Int {
        try #require(try await db.query("SELECT \(i)::int AS v").first).decode("v", as: Int.self)
    }

    @Test func aJobEnqueuedFromOutsideTheLoopsRunsOnALoop() async throws {
        // A timer fires on no loop: the task still resumes on one.
        try await withTaskExecutorPreference(EventLoopTaskExecutor.shared) {
            try await Task.sleep(for: .milliseconds(5))
            #expect(MultiThreadedEventLoopGroup.currentEventLoop != nil)
        }
        // Without the preference the task is on Swift's pool, not a loop.
        try await Task.sleep(for: .milliseconds(5))
        #expect(MultiThreadedEventLoopGroup.currentEventLoop == nil)
    }
}

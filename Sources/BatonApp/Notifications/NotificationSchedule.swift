import BatonCore
import Dates
import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Tells of what comes due with time rather than with an action: a phase due within
/// `days` days or late, a completion checklist waiting on the last phase, a task
/// overdue. Every `baton serve` runs it; each round is one transaction that first
/// takes a transaction-scoped advisory lock, so one server sweeps at a time, and the
/// events' keys (with the date they are about) make a second sweep, or a race, tell
/// nobody twice (`notifications` is unique per recipient and key).
struct NotificationSchedule: Service {
    let pool: ConnectionPool
    let logger: Logger
    var every: Duration = .seconds(300)
    /// How far ahead a phase is "due soon".
    var days = 3

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await sweep(today: Timestamp.now.calendarDate)
            } catch {
                logger.warning("notification schedule failed: \(String(describing: error))")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }

    /// One round; the number of events found, or nil when another server holds the sweep.
    func sweep(today: CalendarDate) async throws -> Int? {
        try await pool.withTransaction { db in
            guard try await NotificationStore().winsSweep(db) else { return nil }
            return try await NotificationEvents.dated(db, today: today, days: days)
        }
    }
}

import BatonCore
import Dates
import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Renewals that come up by themselves (issue 23, item 3): every `baton serve` runs the
/// renewal round on a timer, and `baton agreements renew` runs it once. A round is one
/// transaction that first takes a transaction-scoped advisory lock, so one server runs
/// it at a time; inside, each agreement is taken under a row lock that a concurrent
/// round skips and only while it has no renewal, so each term gets one opportunity
/// however many servers or commands race.
struct RenewalJob: Service {
    let services: AppServices
    var every: Duration = .seconds(3600)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if let opened = try await round(today: Timestamp.now.calendarDate), !opened.isEmpty {
                    services.logger.info("renewal round opened \(opened.count) renewal opportunities")
                }
            } catch {
                services.logger.warning("renewal round failed: \(String(describing: error))")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }

    /// One round as of `today`: the agreements whose renewal it opened, or nil when
    /// another server holds the round. The lead is the firm's setting (`leadDays` when
    /// given, as a test or the command's `--lead-days` does).
    func round(today: CalendarDate, leadDays: Int? = nil) async throws -> [AgreementRecord]? {
        try await services.pool.withTransaction { db in
            guard try await AgreementStore().winsRenewalRound(db) else { return nil }
            // How many days before an agreement's end its renewal opens: the firm's setting.
            let firm = try await FirmSettingsStore.current(db).renewalLeadDays
            return try await AgreementActions(services: services).openRenewals(db, today: today, leadDays: leadDays ?? firm)
        }
    }
}

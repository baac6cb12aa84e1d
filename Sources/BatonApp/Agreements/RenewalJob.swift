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
                if let done = try await round(today: Timestamp.now.calendarDate), !(done.opened.isEmpty && done.settled.isEmpty) {
                    services.logger.info("renewal round opened \(done.opened.count) renewal opportunities, settled \(done.settled.count) ended terms")
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

    /// What one round did: the agreements whose renewal it opened, and those whose term
    /// had ended with the renewal still open, settled by their own terms (renewed or ended).
    struct Round: Sendable {
        var opened, settled: [AgreementRecord]
    }

    /// One round as of `today`, or nil when another server holds the round. The lead is
    /// the firm's setting (`leadDays` when given, as a test or the command's `--lead-days` does).
    func round(today: CalendarDate, leadDays: Int? = nil) async throws -> Round? {
        try await services.pool.withTransaction { db in
            guard try await AgreementStore().winsRenewalRound(db) else { return nil }
            // How many days before an agreement's end its renewal opens: the firm's setting.
            let firm = try await FirmSettingsStore.current(db).renewalLeadDays
            let actions = AgreementActions(services: services)
            // Opened first, so a term that ran out before any round saw it is settled in this one.
            let opened = try await actions.openRenewals(db, today: today, leadDays: leadDays ?? firm)
            return Round(opened: opened, settled: try await actions.settleLapsed(db, today: today))
        }
    }
}

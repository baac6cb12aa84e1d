import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/quotas`: pick a period; every person's quota per metric in one grid, saved
/// with one Save (a box emptied removes that quota). Admins set anyone's; a manager
/// sets those below them. Every change goes through `QuotaActions` in one transaction,
/// so the page refuses what `/quotas` refuses, in the same words, and a refused cell
/// keeps the whole grid unsaved (every box keeps what was typed).
extension WebRoutes {

    static func metricTitle(_ m: QuotaMetric) -> String {
        switch m {
        case .newBusiness: "New business"
        case .expansion: "Expansion"
        case .totalBookings: "Total bookings"
        case .completedWork: "Completed work"
        case .recurringBookings: "Recurring bookings"
        case .renewalBookings: "Renewal bookings"
        }
    }

    /// A quota cell drawn again after a refusal: what was typed, and why it was refused.
    struct QuotaCellState {
        var typed: String
        var error: String?
        var conflict: Bool
    }

    /// One box of the posted grid. Its inputs are named `target.{person}.{metric}`, with the
    /// saved quota's `quotaId.`/`version.` and the target drawn (`was.`) beside it, so only
    /// the boxes someone changed are written.
    struct QuotaCellPost {
        var userID: Int64
        var metric, typed: String
        var quotaID: Int64?
        var version: Int
        var changed: Bool
        var key: String { "\(userID)-\(metric)" }

        static func cells(_ values: [String: String]) -> [QuotaCellPost] {
            // A single cell posted by itself (scripts, older pages) is always a change.
            if let user = values["userId"].flatMap({ Int64($0) }), let metric = values["metric"], let typed = values["target"] {
                return [QuotaCellPost(userID: user, metric: metric, typed: typed, quotaID: values["quotaId"].flatMap { Int64($0) },
                                      version: Int(values["version"] ?? "") ?? -1, changed: true)]
            }
            return values.keys.filter { $0.hasPrefix("target.") }.sorted().compactMap { name in
                let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
                guard parts.count == 3, let user = Int64(parts[1]) else { return nil }
                let suffix = "\(parts[1]).\(parts[2])"
                let typed = values[name] ?? "", was = values["was." + suffix] ?? ""
                return QuotaCellPost(userID: user, metric: parts[2], typed: typed, quotaID: values["quotaId." + suffix].flatMap { Int64($0) },
                                     version: Int(values["version." + suffix] ?? "") ?? -1, changed: !Self.same(typed, was))
            }
        }

        /// "45,000" typed over "45,000.00" drawn is no change.
        static func same(_ typed: String, _ was: String) -> Bool {
            if let x = Decimal(typed: typed), let y = Decimal(typed: was) { return x == y }
            return typed.trimmed == was.trimmed
        }
    }

    /// Thrown inside the grid's transaction when a cell was refused, so nothing is kept.
    private struct QuotaGridRefused: Error {}

    @Sendable func quotasPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context) { caller, token, area in
            let q = QueryParameters(request)
            return try await quotasPage(request, caller, token, area, period: q.string("period"), role: q.string("role"), cells: [:], status: .ok)
        }
    }

    /// The grid's Save: each changed box sets (or changes) its quota, an emptied box removes
    /// it, all in one transaction; one refusal keeps nothing and draws every box again.
    @Sendable func setQuota(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            let actions = QuotaActions(services: services)
            let period = values["period"]?.trimmed ?? ""
            let posted = QuotaCellPost.cells(values)
            var states: [String: QuotaCellState] = [:]
            for cell in posted { states[cell.key] = QuotaCellState(typed: cell.typed, error: nil, conflict: false) }
            var status = HTTPResponse.Status.unprocessableContent
            do {
                try await services.pool.withTransaction { db in
                    for cell in posted where cell.changed {
                        do {
                            try await setQuotaCell(db, actions, caller, cell, period: period)
                        } catch {
                            guard let failure = FormFailure(error) else { throw error }
                            // One box per cell: every message of the refusal goes beside it.
                            let conflict = failure.status == .preconditionFailed
                            if conflict { status = .conflict } else if status != .conflict { status = Self.pageStatus(failure) }
                            let messages = failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages
                            states[cell.key] = QuotaCellState(typed: cell.typed, error: conflict ? nil : messages.joined(separator: " "), conflict: conflict)
                        }
                    }
                    if states.values.contains(where: { $0.error != nil || $0.conflict }) { throw QuotaGridRefused() }
                }
            } catch is QuotaGridRefused {
                return try await quotasPage(request, caller, token, area, period: period, role: values["role"]?.trimmed.nilIfEmpty, cells: states,
                                            status: status)
            }
            let role = values["role"]?.trimmed.nilIfEmpty.map { "&role=" + $0.addingPercentEncodingForPath } ?? ""
            return WebSession.redirect(Site.adminQuotas() + "?period=\(period.addingPercentEncodingForPath)\(role)&saved=1")
        }
    }

    /// One changed box through `QuotaActions`: a new quota, a new target, or (emptied) none.
    private func setQuotaCell(_ db: Connection, _ actions: QuotaActions, _ caller: Caller, _ cell: QuotaCellPost, period: String) async throws {
        var reader = FormReader(["target": cell.typed, "metric": cell.metric])
        let target = reader.money("target", "Target")
        if let quotaID = cell.quotaID {
            if reader.optional("target") == nil {
                try await actions.delete(db, caller: caller, id: quotaID, expected: cell.version)
                return
            }
            try reader.problems.throwIfInvalid()
            _ = try await actions.change(db, caller: caller, id: quotaID, expected: cell.version, input: QuotaInput(target: target), keys: ["target"])
        } else if reader.optional("target") != nil {
            let input = QuotaInput(userId: cell.userID, periodKey: period, metric: reader.choice("metric", "Metric", QuotaMetric.self), target: target)
            try reader.problems.throwIfInvalid()
            _ = try await actions.create(db, caller: caller, input: input)
        }
    }

    private func quotasPage(_ request: Request, _ caller: Caller, _ token: String, _ area: AdminArea, period key: String?, role: String?,
                            cells refused: [String: QuotaCellState], status: HTTPResponse.Status) async throws -> Response {
        let role = role.flatMap { Role(rawValue: $0) }
        let calendar = services.quotas.calendar
        let today = Timestamp.now.calendarDate
        let current = calendar.period(containing: today, kind: .quarter)
        var periodError = ""
        var period: FiscalPeriod?
        do {
            period = try services.quotas.checkedPeriod(key: key ?? current.key)
        } catch let failure as ValidationFailure {
            periodError = failure.errors.map(\.message).joined(separator: " ")
        }
        let (people, quotas, stored) = try await services.pool.withConnection { db in
            let people = try await services.users.list(db, visibleTo: caller, filter: .init(role: role, active: true), page: try PageRequest(limit: PageRequest.maximumLimit))
                .items.filter { caller.isAdmin || $0.id != caller.id }
            let quotas = try await period.asyncMap { try await services.quotas.list(db, visibleTo: caller, periodKey: $0.key, userID: nil) } ?? []
            return (people, quotas, try await services.quotas.periods(db))
        }
        var byCell: [String: QuotaRecord] = [:]
        for q in quotas { byCell["\(q.userId)-\(q.metric.rawValue)"] = q }
        let rows = period == nil ? [] : people.map { person in
            QuotasPage.Row(userId: person.id, name: person.name, roles: person.roles.map(\.title).joined(separator: ", "), cells: QuotaMetric.allCases.map { metric in
                let saved = byCell["\(person.id)-\(metric.rawValue)"]
                let savedText = saved.map { $0.target.amount.grouped(scale: 2) } ?? ""
                let drawn = refused["\(person.id)-\(metric.rawValue)"]
                return QuotasPage.Cell(
                    cellId: "q-\(person.id)-\(metric.rawValue)", userId: person.id, metric: metric.rawValue, metricLabel: Self.metricTitle(metric),
                    target: drawn?.typed ?? savedText, was: savedText, quotaId: saved.map { String($0.id) } ?? "",
                    version: saved.map { String($0.version) } ?? "", hasQuota: saved != nil,
                    cellError: drawn?.error ?? "", hasCellError: drawn?.error != nil,
                    theirs: saved?.target.amount.display(currency: services.configuration.currency) ?? "none (removed)",
                    mine: (drawn?.typed).flatMap { $0.trimmed.nilIfEmpty } ?? "none", hasConflict: drawn?.conflict ?? false)
            })
        }
        var periods = stored.map(\.key)
        for extra in [current, calendar.period(containing: current.endExclusive, kind: .quarter), calendar.period(containing: today, kind: .year)]
        where !periods.contains(extra.key) { periods.append(extra.key) }
        let body = QuotasPage(
            tabs: adminTabs(area, current: Site.adminQuotas()), period: period?.key ?? (key ?? ""), role: role?.rawValue ?? "",
            roleOptions: [.init(value: "", label: "Everyone", selected: role == nil)]
                + Role.allCases.map { .init(value: $0.rawValue, label: $0.title, selected: $0 == role) },
            periodLabel: period.map { Formatting.span($0.start, $0.lastDay) } ?? "", periodError: periodError, hasPeriodError: !periodError.isEmpty,
            periods: periods.sorted(), metrics: QuotaMetric.allCases.map { .init(label: Self.metricTitle($0)) }, rows: rows,
            empty: rows.isEmpty && period != nil, currency: services.configuration.currency, notice: Self.notice(request))
        return renderer.page("admin-quotas", Page(frame: frame(caller, sessionToken: token, title: "Quotas", area: "admin"), body: body),
                             status: periodError.isEmpty ? status : .unprocessableContent)
    }
}

struct QuotasPage {
    struct Cell {
        /// The cell's anchor (`q-{person}-{metric}`).
        var cellId: String
        var userId: Int64
        var metric, metricLabel: String
        /// The target shown (what was typed, after a refusal), the saved one (grouped, so
        /// the Save writes only boxes that changed), and the saved quota's id and version
        /// ("" when there is none).
        var target, was, quotaId, version: String
        var hasQuota: Bool
        var cellError: String
        var hasCellError: Bool
        /// After a refusal for a newer version: the saved target, and the one typed.
        var theirs, mine: String
        var hasConflict: Bool
    }
    struct Row { var userId: Int64; var name: String; var roles: String; var cells: [Cell] }
    struct Metric { var label: String }
    struct RoleOption { var value: String; var label: String; var selected: Bool }
    var tabs: [AdminTab]
    var period, role: String
    var roleOptions: [RoleOption]
    var periodLabel, periodError: String
    var hasPeriodError: Bool
    var periods: [String]
    var metrics: [Metric]
    var rows: [Row]
    var empty: Bool
    var currency: String
    var notice: String?
}

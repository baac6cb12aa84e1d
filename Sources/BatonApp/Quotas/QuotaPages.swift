import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/quotas`: pick a period; each person's quota per metric in a table, each
/// cell its own small form (set, change, or empty it to remove). Admins set anyone's;
/// a manager sets those below them. Every change goes through `QuotaActions`, so the
/// page refuses what `/quotas` refuses, in the same words.
extension WebRoutes {

    static func metricTitle(_ m: QuotaMetric) -> String {
        switch m {
        case .newBusiness: "New business"
        case .expansion: "Expansion"
        case .totalBookings: "Total bookings"
        case .completedWork: "Completed work"
        }
    }

    /// A quota cell drawn again after a refusal.
    struct QuotaCellState {
        var userID: Int64
        var metric, typed: String
        var error: String?
        var conflict: Bool
    }

    @Sendable func quotasPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context) { caller, token, area in
            let q = QueryParameters(request)
            return try await quotasPage(request, caller, token, area, period: q.string("period"), role: q.string("role"), cell: nil, status: .ok)
        }
    }

    /// One cell's form: a target sets (or changes) the quota, an empty box removes it.
    @Sendable func setQuota(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            let actions = QuotaActions(services: services)
            let period = values["period"]?.trimmed ?? ""
            let metric = values["metric"] ?? ""
            var reader = FormReader(values)
            let target = reader.money("target", "Target")
            let version = Int(values["version"] ?? "") ?? -1
            do {
                if let quotaText = reader.optional("quotaId") {
                    guard let quotaID = Int64(quotaText) else { throw APIError.notFound("quota") }
                    if reader.optional("target") != nil {
                        _ = try await formTransaction(reader) { db in
                            try await actions.change(db, caller: caller, id: quotaID, expected: version, input: QuotaInput(target: target), keys: ["target"])
                        }
                    } else {
                        try await formTransaction(reader) { db in try await actions.delete(db, caller: caller, id: quotaID, expected: version) }
                    }
                } else {
                    let input = QuotaInput(userId: reader.id("userId", "Person"), periodKey: period,
                                           metric: reader.choice("metric", "Metric", QuotaMetric.self), target: target)
                    _ = try await formTransaction(reader) { db in try await actions.create(db, caller: caller, input: input) }
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                // One box per cell: every message of the refusal goes beside it.
                let conflict = failure.status == .preconditionFailed
                let messages = failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages
                let cell = QuotaCellState(userID: Int64(values["userId"] ?? "") ?? 0, metric: metric, typed: values["target"] ?? "",
                                          error: conflict ? nil : messages.joined(separator: " "), conflict: conflict)
                return try await quotasPage(request, caller, token, area, period: period, role: values["role"]?.trimmed.nilIfEmpty, cell: cell,
                                            status: Self.pageStatus(failure))
            }
            let role = values["role"]?.trimmed.nilIfEmpty.map { "&role=" + $0.addingPercentEncodingForPath } ?? ""
            let cell = "#q-" + "\(values["userId"] ?? "")-\(metric)".addingPercentEncodingForPath
            return WebSession.redirect(Site.adminQuotas() + "?period=\(period.addingPercentEncodingForPath)\(role)&saved=1\(cell)")
        }
    }

    private func quotasPage(_ request: Request, _ caller: Caller, _ token: String, _ area: AdminArea, period key: String?, role: String?,
                            cell: QuotaCellState?, status: HTTPResponse.Status) async throws -> Response {
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
                let refused = cell.flatMap { $0.userID == person.id && $0.metric == metric.rawValue ? $0 : nil }
                return QuotasPage.Cell(
                    cellId: "q-\(person.id)-\(metric.rawValue)", userId: person.id, metric: metric.rawValue, metricLabel: Self.metricTitle(metric),
                    target: refused?.typed ?? saved?.target.description ?? "", quotaId: saved.map { String($0.id) } ?? "",
                    version: saved.map { String($0.version) } ?? "", hasQuota: saved != nil,
                    cellError: refused?.error ?? "", hasCellError: refused?.error != nil,
                    theirs: saved?.target.amount.display(currency: services.configuration.currency) ?? "none (removed)",
                    mine: (refused?.typed).flatMap { $0.trimmed.nilIfEmpty } ?? "none", hasConflict: refused?.conflict ?? false)
            })
        }
        var periods = stored.map(\.key)
        for extra in [current, calendar.period(containing: current.endExclusive, kind: .quarter), calendar.period(containing: today, kind: .year)]
        where !periods.contains(extra.key) { periods.append(extra.key) }
        let body = QuotasPage(
            tabs: adminTabs(area, current: Site.adminQuotas()), period: period?.key ?? (key ?? ""), role: role?.rawValue ?? "",
            roleOptions: [.init(value: "", label: "Everyone", selected: role == nil)]
                + Role.allCases.map { .init(value: $0.rawValue, label: $0.title, selected: $0 == role) },
            periodLabel: period.map { "\($0.start) to \($0.lastDay)" } ?? "", periodError: periodError, hasPeriodError: !periodError.isEmpty,
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
        /// The target shown (what was typed, after a refusal), and the saved quota's id
        /// and version ("" when there is none).
        var target, quotaId, version: String
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

import BatonCore
import Dates
import Foundation
import Postgres

/// `/projects`: the projects a person sees (the API's list, in the caller's scope),
/// with status, client, project manager, dates and progress, filtered by status.
struct ProjectListPage {
    struct Row {
        var id: Int64
        var name, status, statusClass, client, manager: String
        var start, due, completedOn: String
        var completed: Bool
        var phasesDone, phasesTotal: Int
        var late: Bool
    }
    struct Option { var value: String; var label: String; var selected: Bool }

    var rows: [Row]
    var statuses: [Option]
    var status: String
    var error: String; var hasError: Bool
    var empty: Bool
    var next: String; var hasNext: Bool

    static func build(_ db: Connection, caller: Caller, services: AppServices, status: String?, page: PageRequest) async throws -> ProjectListPage {
        var error = ""
        var filter = ProjectStore.Filter()
        do {
            filter.status = try ProjectStore.statusFilter(status)
        } catch let failure as ValidationFailure {
            error = failure.errors.map(\.message).joined(separator: " ")
        }
        var list = Page<ProjectRecord>(fetched: [], limit: 1) { _ in [] }
        if error.isEmpty { list = try await services.projects.list(db, visibleTo: caller, filter: filter, page: page) }
        let clients = try await services.accounts.names(db, ids: Array(Set(list.items.map(\.accountId))))
        let managers = try await services.users.names(db, ids: Array(Set(list.items.compactMap(\.projectManagerId))))
        let today = Timestamp.now.calendarDate
        let rows = list.items.map { p -> Row in
            let done = p.phases.filter { $0.completedOn != nil }.count
            let late = p.phases.contains { $0.completedOn == nil && $0.due < today }
                && !["completed", "cancelled"].contains(p.status)
            return Row(id: p.id, name: p.name, status: p.status.replacingOccurrences(of: "_", with: " "),
                       statusClass: "status-" + p.status, client: clients[p.accountId] ?? "—",
                       manager: p.projectManagerId.flatMap { managers[$0] } ?? "nobody yet",
                       start: p.start.description, due: p.phases.map(\.due).max()?.description ?? "—",
                       completedOn: p.completedOn?.description ?? "", completed: p.completedOn != nil, phasesDone: done, phasesTotal: p.phases.count, late: late)
        }
        return ProjectListPage(
            rows: rows,
            statuses: [Option(value: "", label: "Any status", selected: filter.status == nil)]
                + ProjectStore.statuses.map { Option(value: $0, label: $0.replacingOccurrences(of: "_", with: " ").adminCapitalized, selected: $0 == filter.status) },
            status: filter.status ?? "", error: error, hasError: !error.isEmpty, empty: rows.isEmpty,
            next: list.nextCursor ?? "", hasNext: list.nextCursor != nil)
    }
}

extension String {
    /// The text with its first letter in capitals: "on hold" → "On hold".
    var adminCapitalized: String { prefix(1).uppercased() + dropFirst() }
}

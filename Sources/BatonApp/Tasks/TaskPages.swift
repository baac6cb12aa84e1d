import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// Tasks on the pages (issue 19, item 2): a task is an activity of kind `task`; it is
/// completed with one click from home, through the same action as the API's PATCH.
extension WebRoutes {

    /// Marks the task done now, at the version the page showed (a stale click is refused
    /// like the API's 412), and goes back where the click came from.
    @Sendable func taskDoneForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, form in
            let id = try request.id(context)
            var input = ActivityInput()
            input.doneAt = .now
            let task = try await services.pool.withTransaction {
                try await ActivityActions(services: services).change($0, caller: caller, id: id, expected: form["version"].flatMap { Int($0) },
                                                                     input: input, keys: ["doneAt"])
            }
            return Flash.redirect(WebSession.safeNext(form["next"]), message: "Done: \(task.subject)")
        }
    }
}

/// `/tasks?view=`: every open task of one view, each with its account, due date, owner
/// and the same one-click Done as home.
extension WebRoutes {
    struct TasksPage: Sendable {
        struct Row: Sendable { var task: OpenTask; var due: String; var late: Bool }
        var views: [ListOption]
        var rows: [Row]
        var empty: Bool
        var heading, next: String
        var overdue: Int
    }

    @Sendable func showTasks(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let view = ListParameters(request)["view"].flatMap(TaskView.init(rawValue:)) ?? .mine
        let now = Timestamp.now
        let (tasks, overdue) = try await services.pool.withConnection { db in
            (try await TaskStore().open(db, caller: caller, view: view, now: now),
             try await TaskStore().open(db, caller: caller, view: .overdue, now: now).count)
        }
        let rows = tasks.map {
            TasksPage.Row(task: $0, due: $0.dueAt.map { Formatting.date($0.calendarDate) } ?? "no date", late: $0.dueAt.map { $0 < now } ?? false)
        }
        let body = TasksPage(views: TaskView.allCases.map { ListOption(value: $0.rawValue, label: $0.label, selected: $0 == view) },
                             rows: rows, empty: rows.isEmpty, heading: view.label, next: Site.tasks() + "?view=\(view.rawValue)", overdue: overdue)
        return renderer.page("tasks", Page(frame: frame(caller, sessionToken: token, title: "Tasks", area: "tasks"), body: body))
    }
}

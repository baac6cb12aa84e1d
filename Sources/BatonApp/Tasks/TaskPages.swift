import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// An open task as every page draws it (home, the tasks page, a record's Tasks section):
/// due in words, late or not, and the deal, project or contact it is about, linked.
struct TaskRow: Sendable {
    var task: OpenTask
    var due: String
    var late: Bool
    var about, aboutHref: String
    var hasAbout: Bool

    init(_ task: OpenTask, now: Timestamp) {
        self.task = task
        due = task.dueAt.map { Formatting.date($0.calendarDate) } ?? "no date"
        late = task.dueAt.map { $0 < now } ?? false
        // The most specific record it names; the account is always in its own column.
        if let id = task.opportunityID {
            (about, aboutHref) = (task.opportunity, Site.opportunity(id))
        } else if let id = task.projectID {
            (about, aboutHref) = (task.project, Site.project(id))
        } else if let id = task.contactID {
            (about, aboutHref) = (task.contact, Site.contact(id))
        } else {
            (about, aboutHref) = ("", "")
        }
        hasAbout = !about.isEmpty
    }
}

/// A record page's "Tasks" section (the `task-list` partial): its open tasks with Done,
/// and "New task" with the record filled in. Done comes back to the record.
struct TaskSection: Sendable {
    var rows: [TaskRow]
    var empty: Bool
    var newTask, next: String

    static func build(_ db: Connection, caller: Caller, on subject: TaskSubject, accountID: Int64, next: String) async throws -> TaskSection {
        let now = Timestamp.now
        let rows = try await TaskStore().open(db, caller: caller, on: subject).map { TaskRow($0, now: now) }
        var query = "accountId=\(accountID)"
        switch subject {
        case .account: break
        case .opportunity(let id): query += "&opportunityId=\(id)"
        case .project(let id): query += "&projectId=\(id)"
        case .contact(let id): query += "&contactId=\(id)"
        }
        let back = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
        return TaskSection(rows: rows, empty: rows.isEmpty, newTask: Site.taskNew() + "?\(query)&next=\(back)", next: next)
    }
}

/// The overdue count in the navigation's Tasks link: one indexed count per page
/// (`TaskStore.overdueCount`), read by `NotificationBellMiddleware` with the bell's
/// count and carried to `WebRoutes.frame` the same way.
enum OverdueTasks {
    @TaskLocal static var count: Int?

    /// The navigation's badge: the count when there is any.
    static var badge: [Int] { (count ?? 0) > 0 ? [count ?? 0] : [] }
}

/// Tasks on the pages (issue 19, item 2): a task is an activity of kind `task`; it is
/// made, completed and given to someone through `ActivityActions`, as the API's POST
/// and PATCH on `/activities` do.
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

    /// "New task": the form with the record it came from filled in (`?accountId=&opportunityId=`).
    @Sendable func newTaskPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let q = ListParameters(request)
        var values = ["ownerId": String(caller.id), "next": WebSession.safeNext(q["next"])]
        for name in ["accountId", "contactId", "opportunityId", "projectId"] { values[name] = q[name] ?? "" }
        return try await taskForm(caller, token, FormState("task", values: values))
    }

    /// Makes the task (assigned to the person chosen, the caller by default) and goes
    /// back to the page it was started from; a refusal shows the form again.
    @Sendable func createTaskForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            var reader = FormReader(form)
            var input = ActivityInput()
            input.kind = .task
            input.subject = reader.optional("subject")
            input.body = reader.optional("body")
            input.accountId = reader.id("accountId", "Account")
            input.contactId = reader.id("contactId", "Contact")
            input.opportunityId = reader.id("opportunityId", "Opportunity")
            input.projectId = reader.id("projectId", "Project")
            input.ownerId = reader.id("ownerId", "Assignee")
            input.dueAt = reader.date("dueAt", "Due date").map(Self.endOfDay)
            do {
                let task = try await formTransaction(reader) { try await ActivityActions(services: services).create($0, caller: caller, input: input) }
                return Flash.redirect(WebSession.safeNext(form["next"]), message: "Task added: \(task.subject)")
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await taskForm(caller, token, FormState("task", typed: form, failure: failure), status: failure.status)
            }
        }
    }

    /// A due date from a form means "by the end of that day" (UTC until the firm's time
    /// zone is configured): due today is not overdue until the day is over.
    static func endOfDay(_ day: CalendarDate) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: Int64(day.daysSinceEpoch + 1) * 86_400_000_000 - 1_000_000)
    }

    private func taskForm(_ caller: Caller, _ token: String, _ state: FormState, status: HTTPResponse.Status = .ok) async throws -> Response {
        struct Body { var form: WebForm; var account: String; var hasAccount: Bool; var back: String }
        let body = try await services.pool.withConnection { db in
            let account = try await Int64(state.value("accountId")).asyncMap { try await services.accounts.find(db, id: $0, visibleTo: caller) } ?? nil
            var fields = [state.text("subject", "Task", required: true, maxlength: 200), state.text("dueAt", "Due date", type: "date")]
            var hidden = [WebForm.Hidden(name: "next", value: state.value("next"))]
            if let account {
                // The links offered are the account's own, as the action requires.
                let none = [(value: "", label: "None")]
                let contacts = try await services.contacts.list(db, visibleTo: caller, filter: .init(accountID: account.id), page: try PageRequest(limit: 200))
                let deals = try await services.opportunities.list(db, visibleTo: caller, filter: .init(accountID: account.id), page: try PageRequest(limit: 200))
                let projects = try await services.projects.list(db, visibleTo: caller, filter: .init(accountID: account.id), page: try PageRequest(limit: 200))
                hidden.append(.init(name: "accountId", value: String(account.id)))
                fields += [
                    state.select("opportunityId", "Deal", none + deals.items.map { (String($0.id), $0.name) }),
                    state.select("projectId", "Project", none + projects.items.map { (String($0.id), $0.name) }),
                    state.select("contactId", "Contact", none + contacts.items.map { (String($0.id), $0.name) }),
                ]
            } else {
                let accounts = try await services.accounts.list(db, visibleTo: caller, filter: .init(sort: .name), page: try PageRequest(limit: 300))
                fields.append(state.select("accountId", "Account", [(value: "", label: "Choose…")] + accounts.items.map { (String($0.id), $0.name) },
                                           required: true))
            }
            // Anyone in the caller's reporting line (the caller alone, for most people).
            let people = try await services.users.list(db, visibleTo: caller, filter: .init(active: true), page: try PageRequest(limit: 200))
            fields += [state.select("ownerId", "Assignee", people.items.map { (String($0.id), $0.id == caller.id ? "Me (\($0.name))" : $0.name) }),
                       state.textarea("body", "Notes")]
            return Body(form: state.form(fields, hidden: hidden), account: account?.name ?? "", hasAccount: account != nil,
                        back: state.value("next").isEmpty ? Site.tasks() : state.value("next"))
        }
        return renderer.page("task-new", Page(frame: frame(caller, sessionToken: token, title: "New task", area: "tasks"), body: body), status: status)
    }
}

/// `/tasks?view=`: every open task of one view, each with its account, due date, owner
/// and the same one-click Done as home.
extension WebRoutes {
    struct TasksPage: Sendable {
        var views: [Choice]
        var rows: [TaskRow]
        var heading, next: String
        var overdue: Int
        var empty, hasOverdue: Bool
    }

    @Sendable func showTasks(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let view = ListParameters(request)["view"].flatMap(TaskView.init(rawValue:)) ?? .mine
        let now = Timestamp.now
        let tasks = try await services.pool.withConnection { try await TaskStore().open($0, caller: caller, view: view, now: now) }
        let rows = tasks.map { TaskRow($0, now: now) }
        let body = TasksPage(views: TaskView.allCases.map { Choice(value: $0.rawValue, label: $0.label, selected: $0 == view) },
                             rows: rows, heading: view.label, next: Site.tasks() + "?view=\(view.rawValue)",
                             overdue: OverdueTasks.count ?? 0, empty: rows.isEmpty, hasOverdue: (OverdueTasks.count ?? 0) > 0)
        return renderer.page("tasks", Page(frame: frame(caller, sessionToken: token, title: "Tasks", area: "tasks"), body: body))
    }
}

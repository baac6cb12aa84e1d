import BatonCore
import Foundation
import Postgres

/// A record page that shows the record's open tasks (the `task-list` partial): the
/// account's, the opportunity's and the project's. Each page keeps one `tasks`
/// property and its handler adds `.withTasks(db, caller:)` to the page it built.
protocol ShowsTasks {
    var tasks: [TaskSection] { get set }
    /// The record the tasks hang on, its account (which every task names) and its page.
    var taskSubject: (subject: TaskSubject, accountID: Int64, page: String) { get }
}

extension ShowsTasks {
    /// The page with its Tasks section, for people who work the pipeline (a task hangs
    /// on an account, which consultants do not see).
    func withTasks(_ db: Connection, caller: Caller) async throws -> Self {
        guard PipelineAccess.canRead(caller.roles) else { return self }
        var page = self
        let (subject, accountID, next) = taskSubject
        page.tasks = [try await TaskSection.build(db, caller: caller, on: subject, accountID: accountID, next: next)]
        return page
    }
}

extension AccountPage: ShowsTasks {
    var taskSubject: (subject: TaskSubject, accountID: Int64, page: String) { (.account(account.id), account.id, Site.account(account.id)) }
}

extension OpportunityPage: ShowsTasks {
    var taskSubject: (subject: TaskSubject, accountID: Int64, page: String) {
        (.opportunity(opportunity.id), opportunity.accountId, Site.opportunity(opportunity.id))
    }
}

extension ProjectPage: ShowsTasks {
    var taskSubject: (subject: TaskSubject, accountID: Int64, page: String) { (.project(project.id), project.accountId, Site.project(project.id)) }
}

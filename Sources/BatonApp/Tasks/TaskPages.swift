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

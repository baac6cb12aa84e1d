import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The project's budget against actuals as a page: the burn chart above the table of
/// phases (budget, actual, waiting, estimate to complete, cost, value, margin).
struct ProjectBudgetPage {
    struct Bar { var week, cumulative, percent: String }

    var budget: ProjectBudget
    var bars: [Bar]
    var hasBars: Bool
    var budgetHours: String

    static func build(_ budget: ProjectBudget) -> ProjectBudgetPage {
        let scale = max(budget.total.budgetHours.value, budget.burn.last?.cumulative.value ?? 0)
        let bars = budget.burn.map { week in
            Bar(week: week.week.description, cumulative: week.cumulative.description,
                percent: scale > 0 ? Decimal.roundedQuotient(week.cumulative.value * 100, scale, scale: 0).plainText : "0")
        }
        return ProjectBudgetPage(budget: budget, bars: bars, hasBars: !bars.isEmpty, budgetHours: budget.total.budgetHours.description)
    }
}

extension WebRoutes {

    @Sendable func projectBudgetPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let id = try request.id(context)
        let budget = try await services.pool.withTransaction {
            try await TimeBudgetActions(services: services).budget($0, caller: caller, projectID: id)
        }
        return renderer.page("project-budget", Page(frame: frame(caller, sessionToken: token, title: "Budget: \(budget.projectName)", area: "projects"),
                                                    body: ProjectBudgetPage.build(budget)))
    }
}

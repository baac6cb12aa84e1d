import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

extension WebRoutes {
    /// The record pages and their forms: accounts, an account (details in place, a
    /// contact, an opportunity), an opportunity (a new proposal), a proposal (its lines
    /// and moves) and a project (phases, checklist, staffing, the client's link).
    ///
    /// Every form posts with its CSRF token and goes through the API's own route code
    /// (`AccountRoutes.change`, `OpportunityRoutes.create`, `ProposalRoutes.perform`…),
    /// so a page and the API take the same rules. A post that breaks them draws the
    /// page again with the status (422, 409), what was typed, and each field's message
    /// beside it; one that works redirects (303) to the page to see.
    func registerRecordPages(on pages: RouterGroup<BatonRequestContext>) {
    }

    // MARK: Drawing the pages

    func notFound() -> Response {
        renderer.page("not-found", [String: String](), status: .notFound)
    }
}

import Foundation
import Hummingbird

/// Pages outside the API and the web pages' frame: the static files, and the
/// printable proposal (`Proposals/ProposalPrintPage.swift`).
struct PageRoutes {
    let services: AppServices
    let renderer: PageRenderer

    func register(on router: Router<BatonRequestContext>) {
        router.get("static/:file") { _, context in
            guard let response = renderer.staticFile(context.parameters.get("file") ?? "") else { throw APIError.notFound("file") }
            return response
        }
        let pages = router.group().add(middleware: AuthenticationMiddleware(services: services))
        registerProposalPrint(on: pages)
    }
}

import BatonCore
import Foundation
import Hummingbird

/// `/projects`: the projects a person sees (the API's scope: their accounts' projects,
/// the ones they manage or work on), through the one list mechanism (`ListSpec.projects`):
/// status, client, project manager, dates, progress and whether a phase is late;
/// filtered by status, project manager, a skill the work needs, late only; saved and
/// exported like every list.
extension WebRoutes {
    @Sendable func projectsList(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await showList(.projects, request, context)
    }
}

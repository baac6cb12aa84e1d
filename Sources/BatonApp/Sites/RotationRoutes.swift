import BatonCore
import Foundation
import Hummingbird
import Postgres

/// `POST /projects/{id}/assignments/{assignmentId}/move-days` and `…/move-days/undo`:
/// the rotation board's move of a block of days, for any client (`DeliveryActions.moveDays`).
extension SiteRoutes {
    @Sendable func moveDays(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (projectID, assignmentID) = (try request.id(context), try request.id(context, "assignmentId"))
        let expected = try ETag.expectedVersion(request)
        let (input, _) = try await JSON.decode(DaysMoveInput.self, from: request)
        let moved = try await services.pool.withTransaction { db in
            try await DeliveryActions(services: services).moveDays(db, caller: caller, projectID: projectID, id: assignmentID,
                                                                   expected: expected, input: input)
        }
        return try APIResponse.json(moved).response
    }

    @Sendable func undoMoveDays(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (projectID, assignmentID) = (try request.id(context), try request.id(context, "assignmentId"))
        let (undo, _) = try await JSON.decode(DaysMoveUndo.self, from: request)
        let restored = try await services.pool.withTransaction { db in
            try await DeliveryActions(services: services).undoMoveDays(db, caller: caller, projectID: projectID, id: assignmentID, undo: undo)
        }
        return try APIResponse.json(restored, headers: ETag.headers(restored.version)).response
    }
}

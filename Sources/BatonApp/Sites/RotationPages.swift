import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// `/rotation`: the rotation board, for managers, project managers and admins; and
/// its one write, moving a block of days, which is the API's
/// `POST /projects/{id}/assignments/{id}/move-days`, judged by `DeliveryActions.moveDays`:
/// capacity, time off and travel as the API judges them.
extension WebRoutes {
    static func runsRotation(_ caller: Caller) -> Bool { caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) }

    @Sendable func rotationBoard(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard Self.runsRotation(caller) else { return notFound() }
        let q = QueryParameters(request)
        // A week starts on Monday, so the columns line up whatever day the address names.
        let asked = (try? q.date("from")).flatMap { $0 } ?? Timestamp.now.calendarDate
        let query = RotationBoard.Query(
            from: Overbooking.weekStart(of: asked), zoom: q.string("zoom").flatMap(RotationBoard.Zoom.init(rawValue:)) ?? .fortnight,
            skill: q.string("skill")?.trimmed.nilIfEmpty, homeSiteID: q.string("home").flatMap { Int64($0) },
            clientID: q.string("client").flatMap { Int64($0) })
        let undo = q.string("undo").flatMap(RotationBoard.Undo.init)
        let board = try await services.pool.withConnection {
            try await RotationBoard.build($0, services: services, caller: caller, query: query, error: Flash.message(request), undo: undo)
        }
        return Flash.shown(renderer.page("rotation", Page(frame: frame(caller, sessionToken: token, title: "Rotation board", area: "rotation"),
                                                          body: board)), for: request)
    }

    /// Days dropped on another cell, moved with the keyboard or through the move form:
    /// `block` (`projectId.assignmentId.version`), `first` and `last` (the days; both
    /// left out: the whole assignment), `userId` (empty: the same person) and `shift`
    /// (days later; negative, earlier), through `DeliveryActions.moveDays` as the API's
    /// `…/move-days`. Or `undo` (`RotationBoard.Undo`): the last move taken back. A refusal
    /// comes back beside the board in the API's words; a move comes back with its undo.
    @Sendable func rotationMove(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, form in
            let back = WebSession.safeNext(form["back"]).hasPrefix(Site.rotation()) ? WebSession.safeNext(form["back"]) : Site.rotation()
            let actions = DeliveryActions(services: services)
            do {
                if let text = form["undo"] {
                    guard let u = RotationBoard.Undo(text) else { return Flash.redirect(back, message: "That move can no longer be undone.") }
                    _ = try await services.pool.withTransaction { db in
                        try await actions.undoMoveDays(db, caller: caller, projectID: u.projectID, id: u.assignmentID, undo: u.undo)
                    }
                    return WebSession.redirect(back)
                }
                let parts = (form["block"] ?? "").split(separator: ".").map { Int64($0) }
                guard parts.count == 3, let projectID = parts[0], let assignmentID = parts[1], let version = parts[2] else {
                    return Flash.redirect(back, message: "Choose a block to move.")
                }
                let target = form["userId"]?.trimmed.nilIfEmpty.flatMap { Int64($0) }
                let (first, last) = (form["first"]?.trimmed.nilIfEmpty, form["last"]?.trimmed.nilIfEmpty)
                guard let shift = Int(form["shift"]?.trimmed.nilIfEmpty ?? "0"), abs(shift) <= 366,
                      first.map({ CalendarDate($0) != nil }) ?? true, last.map({ CalendarDate($0) != nil }) ?? true else {
                    return Flash.redirect(back, message: "Days to move must be a whole number from -366 to 366, and the days real dates.")
                }
                let moved = try await services.pool.withTransaction { db in
                    guard let before = try await services.delivery.assignment(db, projectID: projectID, id: assignmentID) else {
                        throw APIError.notFound("assignment")
                    }
                    let input = DaysMoveInput(first: first.flatMap(CalendarDate.init) ?? before.start, last: last.flatMap(CalendarDate.init) ?? before.end,
                                              userId: target, shift: shift)
                    return try await actions.moveDays(db, caller: caller, projectID: projectID, id: assignmentID, expected: Int(version), input: input)
                }
                let undo = RotationBoard.Undo(projectID: projectID, assignmentID: assignmentID, undo: moved.undo)
                return WebSession.redirect(back + (back.contains("?") ? "&" : "?") + "undo=" + undo.text)
            } catch let failure as ValidationFailure {
                return Flash.redirect(back, message: failure.errors.map(\.message).joined(separator: "; "))
            } catch let error as APIError where error.status.code < 500 {
                return Flash.redirect(back, message: error.detail)
            }
        }
    }
}

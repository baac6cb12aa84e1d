import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The admin page of lost reasons: the list with a "Retire" button each, and a form to add one.
extension WebRoutes {

    @Sendable func showLostReasons(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await lostReasonsPage(caller, token, typed: "", refusal: nil, status: .ok)
        }
    }

    @Sendable func addLostReasonForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            do {
                _ = try await services.pool.withTransaction { db in
                    try await LostReasonActions(services: services).create(db, caller: caller, name: values["name"] ?? "")
                }
                return WebSession.redirect(Site.adminLostReasons())
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                let words = failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages
                return try await lostReasonsPage(caller, token, typed: values["name"] ?? "", refusal: words.joined(separator: " "),
                                                 status: failure.status)
            }
        }
    }

    @Sendable func retireLostReasonForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            try await services.pool.withTransaction { db in
                try await LostReasonActions(services: services).retire(db, caller: caller, id: id)
            }
            return WebSession.redirect(Site.adminLostReasons())
        }
    }

    func lostReasonsPage(_ caller: Caller, _ token: String, typed: String, refusal: String?,
                         status: HTTPResponse.Status) async throws -> Response {
        struct Body { var reasons: [LostReasonRecord]; var typed: String; var refusal: String? }
        let reasons = try await services.pool.withConnection { try await LostReasonStore().active($0) }
        return renderer.page("admin-lost-reasons", Page(frame: frame(caller, sessionToken: token, title: "Lost reasons", area: "admin"),
                                                        body: Body(reasons: reasons, typed: typed, refusal: refusal)), status: status)
    }
}

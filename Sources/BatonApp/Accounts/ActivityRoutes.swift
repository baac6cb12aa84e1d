import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/activities`: calls, meetings, emails, notes and tasks; the rules are in `ActivityActions`.
struct ActivityRoutes: RecordRoutes {
    static let collection = "activities"
    static let noun = "activity"
    let services: AppServices
    var store: ActivityStore { services.activities }
    var actions: ActivityActions { ActivityActions(services: services) }
    /// Anyone who reads the pipeline logs what they did with a client.
    var mayCreate: @Sendable (Caller) throws -> Void { Scope.requireReader }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: { q in
            ActivityStore.Filter(
                accountID: try q.id("accountId"), opportunityID: try q.id("opportunityId"), projectID: try q.id("projectId"),
                ownerID: try q.id("ownerId"), open: try q.bool("open") ?? false)
        }, fetch: store.list)
    }
}

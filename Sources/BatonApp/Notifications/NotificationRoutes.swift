import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/notifications`: the caller's own notifications and preferences; admins also
/// see the email that is waiting or failed.
struct NotificationRoutes {
    let services: AppServices
    var store: NotificationStore { NotificationStore() }
    var actions: NotificationActions { NotificationActions() }

    struct Count: Encodable { var unread: Int }
    struct Marked: Encodable { var marked: Int }
    struct Preferences: Encodable { var items: [NotificationPreference] }
    struct Deliveries: Encodable { var items: [NotificationDeliveryRecord] }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let page = try PageRequest(request)
        let unread = try QueryParameters(request).bool("unread") ?? false
        let result = try await services.pool.withConnection {
            try await store.list($0, recipientID: caller.id, unreadOnly: unread, page: page)
        }
        return try APIResponse.json(result).response
    }

    @Sendable func unreadCount(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await own(context) { Count(unread: try await store.unreadCount($0, recipientID: $1.id)) }
    }

    @Sendable func read(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let id = try request.id(context)
        return try await own(context, writes: true) { try await actions.markRead($0, caller: $1, id: id) }
    }

    @Sendable func readAll(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await own(context, writes: true) { Marked(marked: try await actions.markAllRead($0, caller: $1)) }
    }

    @Sendable func preferences(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await own(context) { Preferences(items: try await store.preferences($0, userID: $1.id)) }
    }

    @Sendable func choose(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (input, _) = try await JSON.decode(NotificationPreferencesInput.self, from: request)
        return try await own(context, writes: true) { Preferences(items: try await actions.choose($0, caller: $1, input: input)) }
    }

    /// The caller's own notifications or choices: read on a connection, or changed in a
    /// transaction when `writes`; nothing to judge but being signed in.
    private func own<Answer: Encodable>(
        _ context: BatonRequestContext, writes: Bool = false, _ work: (Connection, Caller) async throws -> Answer
    ) async throws -> Response {
        let caller = try context.requireCaller()
        let answer = writes
            ? try await services.pool.withTransaction { try await work($0, caller) }
            : try await services.pool.withConnection { try await work($0, caller) }
        return try APIResponse.json(answer).response
    }

    @Sendable func deliveries(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let items = try await services.pool.withConnection { try await store.undelivered($0, limit: 200) }
        return try APIResponse.json(Deliveries(items: items)).response
    }
}

import BatonCore
import Foundation
import Postgres

/// A person's choices, as the API and the preferences page send them: kind → channel.
struct NotificationPreferencesInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case preferences }
    var preferences: [String: NotificationChannel]
}

/// What a person does with their notifications, whoever asks (API or page): read
/// one, read all, choose per kind where they hear of it. Nobody reads or marks
/// another person's notifications, admins included.
struct NotificationActions {
    var store: NotificationStore { NotificationStore() }

    func markRead(_ db: Connection, caller: Caller, id: Int64) async throws -> NotificationRecord {
        guard let record = try await store.markRead(db, id: id, recipientID: caller.id) else { throw APIError.notFound("notification") }
        return record
    }

    func markAllRead(_ db: Connection, caller: Caller) async throws -> Int {
        try await store.markAllRead(db, recipientID: caller.id)
    }

    /// Sets the kinds named; the others keep their choice. An unknown kind is refused, naming it.
    func choose(_ db: Connection, caller: Caller, input: NotificationPreferencesInput) async throws -> [NotificationPreference] {
        var errors: [FieldError] = []
        var chosen: [(NotificationKind, NotificationChannel)] = []
        for (name, channel) in input.preferences.sorted(by: { $0.key < $1.key }) {
            guard let kind = NotificationKind(rawValue: name) else {
                errors.append(FieldError("preferences.\(name)", "No kind of notification is called \(name)"))
                continue
            }
            chosen.append((kind, channel))
        }
        if !errors.isEmpty { throw APIError.validation(errors) }
        for (kind, channel) in chosen { try await store.setPreference(db, userID: caller.id, kind: kind, channel: channel) }
        return try await store.preferences(db, userID: caller.id)
    }
}

import BatonCore
import Foundation
import Postgres

/// A notification as its recipient sees it.
struct NotificationRecord: Encodable, Sendable {
    var id: Int64
    var kind: NotificationKind
    var subject: String
    var lines: [String]
    /// The record's page on the site, and the record's kind, when there is one.
    var link, entity: String?
    var entityId: Int64?
    var createdAt: Timestamp
    var readAt: Timestamp?
    var read: Bool
}

/// One kind's choice for a person.
struct NotificationPreference: Encodable, Sendable {
    var kind: NotificationKind
    var title: String
    var channel, defaultChannel: NotificationChannel
}

/// An email waiting or failed, as admins see it.
struct NotificationDeliveryRecord: Encodable, Sendable {
    var notificationId: Int64
    var channel, status: String
    var attempts: Int
    var nextAttemptAt: Timestamp
    var lastError: String?
    var sentAt: Timestamp?
    var recipientId: Int64
    /// The notification's kind and subject.
    var kind, subject: String
}

/// The notifications' SQL. Every read and write names the recipient: a person sees
/// and marks only their own.
struct NotificationStore: Sendable {
    private static let columns: Query = """
        n.id, n.kind, n.subject, n.lines, n.link, n.entity, n.entity_id, n.created_at, n.read_at
        """

    func list(_ db: Connection, recipientID: Int64, unreadOnly: Bool, page: PageRequest) async throws -> Page<NotificationRecord> {
        var conditions: [Query] = ["n.recipient_id = \(recipientID)"]
        if unreadOnly { conditions.append("n.read_at IS NULL") }
        if let cursor = page.cursor, cursor.count == 1, let id = Int64(cursor[0]) { conditions.append("n.id < \(id)") }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM notifications n
            WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY n.id DESC LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [String($0.id)] }
    }

    func find(_ db: Connection, id: Int64, recipientID: Int64) async throws -> NotificationRecord? {
        try await db.query("""
            SELECT \(Self.columns) FROM notifications n WHERE n.id = \(id) AND n.recipient_id = \(recipientID)
            """).first.map(Self.record)
    }

    func unreadCount(_ db: Connection, recipientID: Int64) async throws -> Int {
        try await db.query("""
            SELECT count(*) AS n FROM notifications WHERE recipient_id = \(recipientID) AND read_at IS NULL
            """).first?.decode("n") ?? 0
    }

    /// Marks one read; reading it again keeps the first time.
    func markRead(_ db: Connection, id: Int64, recipientID: Int64) async throws -> NotificationRecord? {
        try await db.query("""
            UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = \(id) AND recipient_id = \(recipientID)
            """)
        return try await find(db, id: id, recipientID: recipientID)
    }

    /// Marks every unread one read; returns how many were.
    func markAllRead(_ db: Connection, recipientID: Int64) async throws -> Int {
        try await db.query("""
            WITH marked AS (UPDATE notifications SET read_at = now() WHERE recipient_id = \(recipientID) AND read_at IS NULL RETURNING 1)
            SELECT count(*) AS n FROM marked
            """).first?.decode("n") ?? 0
    }

    func channel(_ db: Connection, userID: Int64, kind: NotificationKind) async throws -> NotificationChannel {
        let stored: String? = try await db.query("""
            SELECT channel FROM notification_preferences WHERE user_id = \(userID) AND kind = \(kind.rawValue)
            """).first?.decode("channel")
        return stored.flatMap(NotificationChannel.init(rawValue:)) ?? kind.defaultChannel
    }

    func preferences(_ db: Connection, userID: Int64) async throws -> [NotificationPreference] {
        var chosen: [String: NotificationChannel] = [:]
        for row in try await db.query("SELECT kind, channel FROM notification_preferences WHERE user_id = \(userID)") {
            let kind: String = try row.decode("kind")
            let channel: String = try row.decode("channel")
            chosen[kind] = NotificationChannel(rawValue: channel)
        }
        return NotificationKind.allCases.map {
            NotificationPreference(kind: $0, title: $0.title, channel: chosen[$0.rawValue] ?? $0.defaultChannel, defaultChannel: $0.defaultChannel)
        }
    }

    func setPreference(_ db: Connection, userID: Int64, kind: NotificationKind, channel: NotificationChannel) async throws {
        try await db.query("""
            INSERT INTO notification_preferences (user_id, kind, channel) VALUES (\(userID), \(kind.rawValue), \(channel.rawValue))
            ON CONFLICT (user_id, kind) DO UPDATE SET channel = EXCLUDED.channel
            """)
    }

    /// Emails not yet sent, and those given up on, newest first (admins).
    func undelivered(_ db: Connection, limit: Int) async throws -> [NotificationDeliveryRecord] {
        try await db.query("""
            SELECT d.notification_id, d.channel, d.status, d.attempts, d.next_attempt_at, d.last_error, d.sent_at,
                   n.recipient_id, n.kind, n.subject
            FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.status <> 'sent'
            ORDER BY d.notification_id DESC LIMIT \(limit)
            """).map { row in
            NotificationDeliveryRecord(
                notificationId: try row.decode("notification_id"), channel: try row.decode("channel"), status: try row.decode("status"),
                attempts: try row.decode("attempts"), nextAttemptAt: try row.decode("next_attempt_at"), lastError: try row.decode("last_error"),
                sentAt: try row.decode("sent_at"), recipientId: try row.decode("recipient_id"), kind: try row.decode("kind"),
                subject: try row.decode("subject"))
        }
    }

    static func record(_ row: Row) throws -> NotificationRecord {
        let kind: String = try row.decode("kind")
        let readAt: Timestamp? = try row.decode("read_at")
        return NotificationRecord(
            id: try row.decode("id"), kind: NotificationKind(rawValue: kind) ?? .taskAssigned, subject: try row.decode("subject"),
            lines: try row.decode("lines"), link: try row.decode("link"), entity: try row.decode("entity"),
            entityId: try row.decode("entity_id"), createdAt: try row.decode("created_at"), readAt: readAt, read: readAt != nil)
    }
}

import BatonCore
import Dates
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
    var recipientEmail: String?
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
                   n.recipient_id, u.email AS recipient_email, n.kind, n.subject
            FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
            LEFT JOIN users u ON u.id = n.recipient_id
            WHERE d.status <> 'sent'
            ORDER BY d.notification_id DESC LIMIT \(limit)
            """).map { row in
            NotificationDeliveryRecord(
                notificationId: try row.decode("notification_id"), channel: try row.decode("channel"), status: try row.decode("status"),
                attempts: try row.decode("attempts"), nextAttemptAt: try row.decode("next_attempt_at"), lastError: try row.decode("last_error"),
                sentAt: try row.decode("sent_at"), recipientId: try row.decode("recipient_id"),
                recipientEmail: try row.decode("recipient_email"), kind: try row.decode("kind"),
                subject: try row.decode("subject"))
        }
    }

    // MARK: Who hears of dated things (phases, the checklist, tasks)

    /// One person to tell about one phase, checklist or task.
    struct Dated: Sendable {
        var id: Int64
        /// The project (phases, checklist) or the account (tasks).
        var parentID: Int64
        var name, parent, account: String
        var due: CalendarDate
        var recipientID: Int64
        /// Unchecked required items (checklist) or the task's opportunity.
        var count: Int = 0
        var opportunityID: Int64?
    }

    /// Open or completed phases matching `filter`, one row per person to tell: the
    /// project manager always; the order's owner once a phase is late or completed;
    /// the people still assigned to the project while it is due or when it completes.
    func phaseAudience(_ db: Connection, filter: Query, today: CalendarDate) async throws -> [Dated] {
        try await db.query("""
            SELECT ph.id, ph.project_id, ph.name, p.name AS project, a.name AS account, ph.due_date, r.recipient_id
            FROM project_phases ph JOIN projects p ON p.id = ph.project_id JOIN accounts a ON a.id = p.account_id
            JOIN opportunities o ON o.id = p.opportunity_id
            CROSS JOIN LATERAL (
                SELECT p.project_manager_id AS recipient_id WHERE p.project_manager_id IS NOT NULL
                UNION SELECT o.owner_id WHERE ph.completed_on IS NOT NULL OR ph.due_date < \(today)
                UNION SELECT s.user_id FROM assignments s
                WHERE s.project_id = p.id AND s.end_date >= \(today) AND (ph.completed_on IS NOT NULL OR ph.due_date >= \(today))
            ) r
            WHERE \(filter)
            ORDER BY ph.id, r.recipient_id
            """).map {
            Dated(id: try $0.decode("id"), parentID: try $0.decode("project_id"), name: try $0.decode("name"), parent: try $0.decode("project"),
                  account: try $0.decode("account"), due: try $0.decode("due_date"), recipientID: try $0.decode("recipient_id"))
        }
    }

    /// Phases of running projects not completed and due between `lateSince` and `dueBy`.
    func openPhases(_ db: Connection, dueBy: CalendarDate, lateSince: CalendarDate, today: CalendarDate) async throws -> [Dated] {
        try await phaseAudience(db, filter: """
            ph.completed_on IS NULL AND p.status IN ('planned', 'active') AND ph.due_date BETWEEN \(lateSince) AND \(dueBy)
            """, today: today)
    }

    /// Running projects whose last phase is due between `lateSince` and `dueBy` with
    /// required checklist items unchecked: to the project manager, who ticks them.
    func waitingChecklists(_ db: Connection, dueBy: CalendarDate, lateSince: CalendarDate) async throws -> [Dated] {
        try await db.query("""
            SELECT p.id, p.name, a.name AS account, last.due AS due_date, count(c.id) AS unchecked, p.project_manager_id
            FROM projects p JOIN accounts a ON a.id = p.account_id
            JOIN LATERAL (SELECT max(due_date) AS due FROM project_phases WHERE project_id = p.id) last ON true
            JOIN project_checklist_items c ON c.project_id = p.id AND c.required AND c.checked_at IS NULL
            WHERE p.status IN ('planned', 'active') AND p.project_manager_id IS NOT NULL AND last.due BETWEEN \(lateSince) AND \(dueBy)
            GROUP BY p.id, p.name, a.name, last.due, p.project_manager_id
            ORDER BY p.id
            """).map {
            Dated(id: try $0.decode("id"), parentID: try $0.decode("id"), name: try $0.decode("name"), parent: try $0.decode("name"),
                  account: try $0.decode("account"), due: try $0.decode("due_date"), recipientID: try $0.decode("project_manager_id"),
                  count: try $0.decode("unchecked"))
        }
    }

    /// Open tasks past their due time, due since `since`: to the person they are for.
    func overdueTasks(_ db: Connection, since: CalendarDate) async throws -> [Dated] {
        try await db.query("""
            SELECT x.id, x.subject, x.account_id, a.name AS account, x.opportunity_id, x.owner_id,
                   (x.due_at AT TIME ZONE 'UTC')::date AS due_date
            FROM activities x JOIN accounts a ON a.id = x.account_id
            WHERE x.kind = 'task' AND x.done_at IS NULL AND x.archived_at IS NULL
              AND x.due_at < now() AND x.due_at >= \(since)::date
            ORDER BY x.id
            """).map {
            Dated(id: try $0.decode("id"), parentID: try $0.decode("account_id"), name: try $0.decode("subject"), parent: try $0.decode("account"),
                  account: try $0.decode("account"), due: try $0.decode("due_date"), recipientID: try $0.decode("owner_id"),
                  opportunityID: try $0.decode("opportunity_id"))
        }
    }

    /// Whether this transaction is the one sweep running now among every server's
    /// (a transaction-scoped advisory lock; the losers skip this round).
    func winsSweep(_ db: Connection) async throws -> Bool {
        try await db.query("SELECT pg_try_advisory_xact_lock(\(Self.sweepLock)) AS won").first?.decode("won") ?? false
    }

    /// The advisory lock key of the schedule's sweep ("n20" in ASCII).
    static let sweepLock: Int64 = 0x6e_32_30

    static func record(_ row: Row) throws -> NotificationRecord {
        let kind: String = try row.decode("kind")
        let readAt: Timestamp? = try row.decode("read_at")
        return NotificationRecord(
            id: try row.decode("id"), kind: NotificationKind(rawValue: kind) ?? .taskAssigned, subject: try row.decode("subject"),
            lines: try row.decode("lines"), link: try row.decode("link"), entity: try row.decode("entity"),
            entityId: try row.decode("entity_id"), createdAt: try row.decode("created_at"), readAt: readAt, read: readAt != nil)
    }
}

import BatonCore
import Foundation
import Postgres

/// Where every action writes the events people should hear of, in the caller's
/// transaction: the change and its notifications commit or roll back together.
/// One row per recipient (unless they turned the kind off); one delivery row per
/// email channel, which `MailWorker` drains.
enum Outbox {
    /// Records `event` for each recipient by their preference for its kind. The
    /// same event key recorded twice for a person is one notification.
    static func record(_ db: Connection, _ event: NotificationEvent) async throws {
        guard !event.recipients.isEmpty else { return }
        let invitation = try event.invitation.map { try JSONB($0) }
        for recipient in event.recipients {
            let channel = try await NotificationStore().channel(db, userID: recipient, kind: event.kind)
            guard channel.inApp else { continue }
            let id: Int64? = try await db.query("""
                INSERT INTO notifications (recipient_id, kind, event_key, subject, lines, link, entity, entity_id, invitation)
                VALUES (\(recipient), \(event.kind.rawValue), \(event.key), \(String(event.subject.prefix(500))), \(event.lines),
                        \(event.link), \(event.entity), \(event.entityID), \(invitation))
                ON CONFLICT (recipient_id, event_key) DO NOTHING
                RETURNING id
                """).first?.decode("id")
            guard let id else { continue }
            switch channel {
            case .email:
                try await db.query("INSERT INTO notification_deliveries (notification_id, channel) VALUES (\(id), 'email')")
            case .digest:
                // The next morning's digest, 07:00 UTC.
                try await db.query("""
                    INSERT INTO notification_deliveries (notification_id, channel, next_attempt_at)
                    VALUES (\(id), 'digest', date_trunc('day', now()) + interval '1 day 7 hours')
                    """)
            case .app, .off:
                break
            }
        }
    }

    /// The next SEQUENCE of an assignment's invitation: 0 when made, one more at
    /// every change and at the cancel.
    static func nextInvitationSequence(_ db: Connection, assignmentID: Int64) async throws -> Int {
        try await db.query("""
            INSERT INTO assignment_invitations (assignment_id) VALUES (\(assignmentID))
            ON CONFLICT (assignment_id) DO UPDATE SET sequence = assignment_invitations.sequence + 1
            RETURNING sequence
            """).first?.decode("sequence") ?? 0
    }
}

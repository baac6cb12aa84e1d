import BatonCore
import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Drains the email outbox (`notification_deliveries`). Each message is claimed
/// with `FOR UPDATE SKIP LOCKED` in its own transaction, sent while the row is
/// locked, and marked sent before the commit: several `baton serve` processes
/// never take the same row, and a process killed mid-send leaves the row pending
/// for the next one (the retry carries the same Message-ID). Refusals and
/// connection errors are retried with growing waits; after `maxAttempts` the row
/// is `failed`, which admins see at `/api/v1/notifications/deliveries`.
struct MailWorker: Service {
    let pool: ConnectionPool
    let settings: MailSettings
    let logger: Logger
    var every: Duration = .seconds(2)
    /// Messages sent on one connection before it is closed and the queue looked at again.
    var batch = 100
    var maxAttempts = 10

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var sent = 0
            do {
                sent = try await drain()
            } catch {
                logger.warning("mail delivery failed: \(String(describing: error))")
            }
            if sent > 0 { continue }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }

    /// Wait before the next try after `attempts` failures: 30 s doubling, at most 6 h.
    static func backoffSeconds(attempts: Int) -> Int {
        min(6 * 3600, 30 << min(max(attempts - 1, 0), 20))
    }

    /// Sends what is due on one connection; returns how many deliveries were settled.
    @discardableResult
    func drain() async throws -> Int {
        let due: Bool = try await pool.withConnection { db in
            try await db.query("""
                SELECT EXISTS (SELECT 1 FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= now())
                    OR EXISTS (SELECT 1 FROM status_messages WHERE status = 'pending' AND next_attempt_at <= now()) AS due
                """).first?.decode("due") ?? false
        }
        guard due else { return 0 }
        let client = SMTPClient(settings: settings)
        do {
            return try await client.session { session in
                var settled = 0
                while settled < batch, !Task.isCancelled {
                    guard try await sendNext(session) else { break }
                    settled += 1
                }
                while settled < batch, !Task.isCancelled {
                    guard try await sendNextStatusMessage(session) else { break }
                    settled += 1
                }
                return settled
            }
        } catch {
            // No connection at all: every due row waits its turn again.
            try await postponeAll(error: String(describing: error))
            throw error
        }
    }

    /// Claims one due delivery (an email, or a person's whole digest), sends it and
    /// settles it in the same transaction. False when nothing is due.
    private func sendNext(_ session: SMTPSession) async throws -> Bool {
        try await pool.withTransaction { db in
            guard let row = try await db.query("""
                SELECT d.notification_id, d.channel, d.attempts, n.recipient_id
                FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                ORDER BY d.next_attempt_at, d.notification_id
                LIMIT 1 FOR UPDATE OF d SKIP LOCKED
                """).first
            else { return false }
            let id: Int64 = try row.decode("notification_id")
            let channel: String = try row.decode("channel")
            let attempts: Int = try row.decode("attempts")
            let recipient: Int64 = try row.decode("recipient_id")
            var ids = [id]
            let message: MailMessage?
            if channel == "digest" {
                // Everything of this person's that waits for a digest now, locked too.
                ids = try await db.query("""
                    SELECT d.notification_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                    WHERE d.channel = 'digest' AND d.status = 'pending' AND d.next_attempt_at <= now() AND n.recipient_id = \(recipient)
                    ORDER BY d.notification_id FOR UPDATE OF d SKIP LOCKED
                    """).map { try $0.decode("notification_id") }
                if !ids.contains(id) { ids.append(id) }
                message = try await digest(db, recipientID: recipient, ids: ids)
            } else {
                message = try await single(db, id: id)
            }
            do {
                if let message { try await session.send(message) }
                try await db.query("""
                    UPDATE notification_deliveries SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
                    WHERE notification_id = ANY(\(ids)) AND channel = \(channel)
                    """)
            } catch let failure as SMTPFailure {
                let giveUp = failure.permanent && attempts + 1 >= 3 || attempts + 1 >= maxAttempts
                let wait = Self.backoffSeconds(attempts: attempts + 1)
                try await db.query("""
                    UPDATE notification_deliveries SET attempts = attempts + 1, last_error = \(String(failure.description.prefix(500))),
                        status = \(giveUp ? "failed" : "pending"), next_attempt_at = now() + make_interval(secs => \(wait))
                    WHERE notification_id = ANY(\(ids)) AND channel = \(channel)
                    """)
                logger.warning("mail to person \(recipient) not sent: \(failure.description)")
                if !failure.permanent { throw failure }
            }
            return true
        }
    }

    /// One client's status message (or its subscription's confirmation), claimed and
    /// settled like a notification's delivery, with a one-click unsubscribe (RFC 8058).
    private func sendNextStatusMessage(_ session: SMTPSession) async throws -> Bool {
        try await pool.withTransaction { db in
            guard let row = try await db.query("""
                SELECT m.id, m.event_key, m.subject, m.lines, m.link, m.attempts, s.email, s.unsubscribe_token
                FROM status_messages m JOIN status_subscriptions s ON s.id = m.subscription_id
                WHERE m.status = 'pending' AND m.next_attempt_at <= now()
                ORDER BY m.next_attempt_at, m.id LIMIT 1 FOR UPDATE OF m SKIP LOCKED
                """).first
            else { return false }
            let id: Int64 = try row.decode("id")
            let attempts: Int = try row.decode("attempts")
            let key: String = try row.decode("event_key")
            let unsubscribe = "/status-subscription/\(try row.decode("unsubscribe_token", as: String.self))/unsubscribe"
            let body = NotificationMessage.render(recipientName: "there", subject: try row.decode("subject"), lines: try row.decode("lines"),
                                                  link: try row.decode("link"), baseURL: settings.baseURL, preferencesLink: unsubscribe)
            var message = MailMessage(from: settings.from, to: try row.decode("email"), toName: "", subject: body.subject, text: body.text,
                                      html: body.html, messageID: MailMessage.messageID(eventKey: key, recipientID: -id), date: Date())
            if !key.hasPrefix("confirm:") {
                message.unsubscribeURL = ((settings.baseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))) + unsubscribe
            }
            do {
                try await session.send(message)
                // The links (a confirmation token) are not kept once sent.
                try await db.query("UPDATE status_messages SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL, link = NULL WHERE id = \(id)")
            } catch let failure as SMTPFailure {
                let giveUp = failure.permanent && attempts + 1 >= 3 || attempts + 1 >= maxAttempts
                try await db.query("""
                    UPDATE status_messages SET attempts = attempts + 1, last_error = \(String(failure.description.prefix(500))),
                        status = \(giveUp ? "failed" : "pending"), next_attempt_at = now() + make_interval(secs => \(Self.backoffSeconds(attempts: attempts + 1)))
                    WHERE id = \(id)
                    """)
                if !failure.permanent { throw failure }
            }
            return true
        }
    }

    private func postponeAll(error: String) async throws {
        _ = try await pool.withConnection { db in
            try await db.query("""
                UPDATE notification_deliveries SET attempts = attempts + 1, last_error = \(String(error.prefix(500))),
                    next_attempt_at = now() + make_interval(secs => 30 * least(power(2, least(attempts, 10)), 720))
                WHERE status = 'pending' AND next_attempt_at <= now()
                """)
        }
    }

    /// One notification as its email, with its invitation when it has one.
    private func single(_ db: Connection, id: Int64) async throws -> MailMessage? {
        guard let row = try await db.query("""
            SELECT n.event_key, n.subject, n.lines, n.link, n.invitation, n.recipient_id, u.name, u.email
            FROM notifications n JOIN users u ON u.id = n.recipient_id WHERE n.id = \(id)
            """).first
        else { return nil }
        let name: String = try row.decode("name")
        let invitation: JSONB<CalendarInvitation>? = try row.decode("invitation")
        let body = NotificationMessage.render(recipientName: name, subject: try row.decode("subject"), lines: try row.decode("lines"),
                                              link: try row.decode("link"), baseURL: settings.baseURL)
        let calendar = invitation.map { ($0.value.document(stamp: ICalendar.stamp(Date())), $0.value.method.rawValue) }
        return MailMessage(from: settings.from, to: try row.decode("email"), toName: name, subject: body.subject, text: body.text,
                           html: body.html, calendar: calendar,
                           messageID: MailMessage.messageID(eventKey: try row.decode("event_key"), recipientID: try row.decode("recipient_id")),
                           date: Date())
    }

    /// A person's digest: one email listing each notification's subject and link.
    private func digest(_ db: Connection, recipientID: Int64, ids: [Int64]) async throws -> MailMessage? {
        guard let person = try await db.query("SELECT name, email FROM users WHERE id = \(recipientID)").first else { return nil }
        let name: String = try person.decode("name")
        let base = (settings.baseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let lines: [String] = try await db.query("""
            SELECT subject, link FROM notifications WHERE id = ANY(\(ids)) ORDER BY id
            """).map { row in
            let subject: String = try row.decode("subject")
            let link: String? = try row.decode("link")
            return link.map { "\(subject): \(base)\($0)" } ?? subject
        }
        let subject = ids.count == 1 ? "Your Baton digest: 1 notification" : "Your Baton digest: \(ids.count) notifications"
        let body = NotificationMessage.render(recipientName: name, subject: subject, lines: lines, link: Site.notifications(), baseURL: settings.baseURL)
        return MailMessage(from: settings.from, to: try person.decode("email"), toName: name, subject: body.subject, text: body.text,
                           html: body.html, messageID: MailMessage.messageID(eventKey: "digest-\(ids.max() ?? 0)", recipientID: recipientID),
                           date: Date())
    }
}

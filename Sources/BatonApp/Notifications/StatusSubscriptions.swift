import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// A client's email subscription to its project's status page (issue 20, item 5):
/// double opt-in, then a message when a phase starts, completes or moves its due
/// date, saying who, what and when and never amounts or internal notes; one-click
/// unsubscribe (RFC 8058). The SQL is here and nowhere else.
struct StatusSubscriptions: Sendable {
    /// One message to every confirmed subscriber of `projectID`, once per `key`,
    /// in the caller's transaction.
    static func tell(_ db: Connection, projectID: Int64, key: String, subject: String, lines: [String]) async throws {
        try await db.query("""
            INSERT INTO status_messages (subscription_id, event_key, subject, lines, link)
            SELECT s.id, \(key), \(subject), \(lines), '/status-subscription/' || s.unsubscribe_token || '/unsubscribe'
            FROM status_subscriptions s
            WHERE s.project_id = \(projectID) AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
            ON CONFLICT (subscription_id, event_key) DO NOTHING
            """)
    }

    /// Subscribes `email` unconfirmed and queues the confirmation. An address already
    /// confirmed is left as it is (nothing tells a stranger whether it was).
    static func subscribe(_ db: Connection, projectID: Int64, email: String) async throws {
        let address = email.trimmed.lowercased()
        guard address.count <= 320, address.contains("@"), !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
            throw ValidationFailure("email", "Enter the email address to send the updates to")
        }
        let confirm = SecretToken.randomString(bytes: 24), unsubscribe = SecretToken.randomString(bytes: 24)
        guard let id: Int64 = try await db.query("""
            INSERT INTO status_subscriptions (project_id, email, confirm_sha256, unsubscribe_token)
            VALUES (\(projectID), \(address), \(SecretToken.hash(confirm)), \(unsubscribe))
            ON CONFLICT (project_id, email) DO UPDATE SET
                confirm_sha256 = EXCLUDED.confirm_sha256, unsubscribe_token = EXCLUDED.unsubscribe_token,
                confirmed_at = NULL, unsubscribed_at = NULL, created_at = now()
            WHERE status_subscriptions.confirmed_at IS NULL OR status_subscriptions.unsubscribed_at IS NOT NULL
            RETURNING id
            """).first?.decode("id")
        else { return }
        let project: String = try await db.query("SELECT name FROM projects WHERE id = \(projectID)").first?.decode("name") ?? "your project"
        try await db.query("""
            INSERT INTO status_messages (subscription_id, event_key, subject, lines, link)
            VALUES (\(id), \("confirm:" + SecretToken.hash(confirm).prefix(16)), \("Confirm updates about \(project)"),
                    \(["Someone (we hope you) asked for an email when a phase of \(project) starts, completes or moves.",
                       "Nothing is sent until you confirm; if it was not you, ignore this message."]),
                    \("/status-subscription/\(confirm)/confirm"))
            """)
    }

    /// Confirms the subscription whose confirmation token this is; false when none is.
    static func confirm(_ db: Connection, token: String) async throws -> Bool {
        try await db.query("""
            UPDATE status_subscriptions SET confirmed_at = coalesce(confirmed_at, now())
            WHERE confirm_sha256 = \(SecretToken.hash(token)) AND unsubscribed_at IS NULL RETURNING id
            """).first != nil
    }

    /// Stops the messages; false when the token is nobody's.
    static func unsubscribe(_ db: Connection, token: String) async throws -> Bool {
        try await db.query("""
            UPDATE status_subscriptions SET unsubscribed_at = coalesce(unsubscribed_at, now())
            WHERE unsubscribe_token = \(token) RETURNING id
            """).first != nil
    }

    // MARK: The events

    /// The project manager's name, for "who" (a client hears of people, not figures).
    private static func who(_ db: Connection, projectID: Int64) async throws -> (project: String, manager: String?) {
        let row = try await db.query("""
            SELECT p.name, u.name AS manager FROM projects p LEFT JOIN users u ON u.id = p.project_manager_id WHERE p.id = \(projectID)
            """).first
        return (try row?.decode("name") ?? "", try row?.decode("manager"))
    }

    static func phaseCompleted(_ db: Connection, projectID: Int64, phaseID: Int64, phase: String, on day: CalendarDate) async throws {
        let (project, manager) = try await who(db, projectID: projectID)
        try await tell(db, projectID: projectID, key: "phase-completed:\(phaseID):\(day)", subject: "\(project): \(phase) is complete",
                       lines: ["\(phase) was completed on \(day)."] + (manager.map { ["Your project manager: \($0)."] } ?? []))
    }

    /// Each phase whose due date moved.
    static func phasesMoved(_ db: Connection, projectID: Int64, before: [PhaseState], after: [PhaseState]) async throws {
        let (project, manager) = try await who(db, projectID: projectID)
        for new in after {
            guard let old = before.first(where: { $0.id == new.id }), old.due != new.due else { continue }
            try await tell(db, projectID: projectID, key: "phase-moved:\(new.id):\(new.due)", subject: "\(project): \(new.name) is now due \(Formatting.date(new.due))",
                           lines: ["\(new.name) now runs from \(Formatting.span(new.start, new.due)) (it was due \(Formatting.date(old.due)))."]
                               + (manager.map { ["Your project manager, \($0), can tell you more."] } ?? []))
        }
    }

    /// Phases that started on or since `since` (the schedule): once each start date.
    static func phasesStarted(_ db: Connection, since: CalendarDate, today: CalendarDate) async throws {
        let rows = try await db.query("""
            SELECT ph.id, ph.project_id, ph.name, ph.start_date, ph.due_date FROM project_phases ph
            JOIN projects p ON p.id = ph.project_id
            WHERE ph.completed_on IS NULL AND p.status IN ('planned', 'active') AND ph.start_date BETWEEN \(since) AND \(today)
              AND EXISTS (SELECT 1 FROM status_subscriptions s WHERE s.project_id = p.id AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL)
            """)
        for row in rows {
            let projectID: Int64 = try row.decode("project_id"), phaseID: Int64 = try row.decode("id")
            let name: String = try row.decode("name")
            let start: CalendarDate = try row.decode("start_date"), due: CalendarDate = try row.decode("due_date")
            let (project, manager) = try await who(db, projectID: projectID)
            try await tell(db, projectID: projectID, key: "phase-started:\(phaseID):\(start)", subject: "\(project): \(name) has started",
                           lines: ["\(name) started on \(Formatting.date(start)) and is due \(Formatting.date(due))."] + (manager.map { ["Your project manager: \($0)."] } ?? []))
        }
    }
}

/// The pages behind a subscription: subscribing from the status page (`POST
/// /status/{token}`), confirming, and unsubscribing (a page with a button, and the
/// one-click POST mail clients send from `List-Unsubscribe-Post`).
struct StatusSubscriptionRoutes {
    let services: AppServices
    let renderer: PageRenderer

    struct Shown { var title, message: String; var action: String?; var button: String? }

    func register(on router: Router<BatonRequestContext>) {
        router.post("status/:token", use: subscribe)
        router.get("status-subscription/:token/confirm", use: confirmPage)
        router.post("status-subscription/:token/confirm", use: confirm)
        router.get("status-subscription/:token/unsubscribe", use: unsubscribePage)
        router.post("status-subscription/:token/unsubscribe", use: unsubscribe)
    }

    func show(_ shown: Shown, status: HTTPResponse.Status = .ok) -> Response {
        var response = renderer.page("status-subscription", shown, status: status)
        if let robots = HTTPField.Name("X-Robots-Tag") { response.headers[robots] = "noindex" }
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func subscribe(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        // A body that is no form is an empty address: the token is judged first (404).
        let form = (try? await WebSession.form(request)) ?? [:]
        let today = Timestamp.now.calendarDate
        do {
            let found = try await services.pool.withTransaction { db -> Bool in
                guard let project = try await services.delivery.projectForStatusToken(db, token: token, today: today) else { return false }
                try await StatusSubscriptions.subscribe(db, projectID: project, email: form["email"] ?? "")
                return true
            }
            guard found else { return renderer.page("not-found", [String: String](), status: .notFound) }
            return show(Shown(title: "Check your inbox", message: "We sent a link to \(form["email"] ?? ""). Open it to confirm the updates."))
        } catch let failure as ValidationFailure {
            return show(Shown(title: "Not subscribed", message: failure.errors.map(\.message).joined(separator: " ")), status: .unprocessableContent)
        }
    }

    // A page, not the change: mail scanners open links, and only a person presses the button.
    @Sendable func confirmPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        show(Shown(title: "Confirm the updates", message: "Press the button to receive an email when a phase starts, completes or moves.",
                   action: request.uri.path, button: "Confirm"))
    }

    @Sendable func confirm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await settle(context, StatusSubscriptions.confirm, done: Shown(
            title: "Subscribed", message: "You will hear when a phase starts, completes or moves. Every message has a link to stop them."))
    }

    /// Runs the token's change; a token that is nobody's changes nothing (404).
    private func settle(_ context: BatonRequestContext, _ change: @escaping @Sendable (Connection, String) async throws -> Bool,
                        done: Shown) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let changed = try await services.pool.withTransaction { try await change($0, token) }
        return changed ? show(done) : show(Shown(title: "This link does not work", message: "Nothing was changed."), status: .notFound)
    }

    @Sendable func unsubscribePage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        show(Shown(title: "Stop the updates", message: "Press the button and no more updates about this project are sent to you.",
                   action: request.uri.path, button: "Unsubscribe"))
    }

    @Sendable func unsubscribe(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await settle(context, StatusSubscriptions.unsubscribe, done: Shown(title: "Unsubscribed", message: "No more updates will be sent to you."))
    }
}

import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The unread count the header's bell shows, read once per page request by
/// `NotificationBellMiddleware` and picked up by `WebRoutes.frame`.
enum NotificationBell {
    @TaskLocal static var unread: Int?
}

/// Counts the signed-in person's unread notifications before a page is built.
struct NotificationBellMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, let caller = context.caller, case .session = caller.credential else {
            return try await next(request, context)
        }
        // The navigation's overdue-tasks badge is counted on the same connection.
        let (unread, overdue) = try await services.pool.withConnection { db in
            (try await NotificationStore().unreadCount(db, recipientID: caller.id), try await TaskStore().overdueCount(db, ownerID: caller.id, now: .now))
        }
        return try await NotificationBell.$unread.withValue(unread) { try await OverdueTasks.$count.withValue(overdue) { try await next(request, context) } }
    }
}

/// What the notifications page shows: the newest notifications, unread first in
/// weight, and the preferences form.
struct NotificationsPage {
    /// The notification as it is, its time to the minute, and (stored: the templates
    /// read fields by reflection) whether it is unread.
    struct Item {
        var notification: NotificationRecord
        var when: String
        var unread: Bool
    }
    /// An email not (yet) delivered, for admins: to whom, and when it is tried again.
    /// `state`: the delivery's status in words ("Failed", not `failed`).
    struct Undelivered { var delivery: NotificationDeliveryRecord; var recipient, state, nextTry: String }
    struct Preference { var kind, title: String; var choices: [Choice] }
    var items: [Item]
    var empty: Bool
    var unread: Int
    var hasUnread: Bool
    var preferences: [Preference]
    var message: String
    var hasMessage, mailOn: Bool
    /// Admins see the email that bounced or waits for a retry (bounces and SMTP errors).
    var isAdmin = false, hasDeliveries = false
    var deliveries: [Undelivered] = []

    static func item(_ n: NotificationRecord) -> Item {
        Item(notification: n, when: Formatting.moment(n.createdAt), unread: !n.read)
    }

    static func build(_ db: Connection, caller: Caller, message: String?, mailOn: Bool) async throws -> NotificationsPage {
        let store = NotificationStore()
        let list = try await store.list(db, recipientID: caller.id, unreadOnly: false, page: try PageRequest(limit: 100))
        let unread = try await store.unreadCount(db, recipientID: caller.id)
        let preferences = try await store.preferences(db, userID: caller.id).map { p in
            Preference(kind: p.kind.rawValue, title: p.title, choices: NotificationChannel.allCases.map {
                Choice(value: $0.rawValue, label: $0.title + ($0 == p.defaultChannel ? " (default)" : ""), selected: $0 == p.channel)
            })
        }
        let items = list.items.map(item)
        var page = NotificationsPage(items: items, empty: items.isEmpty, unread: unread, hasUnread: unread > 0, preferences: preferences,
                                     message: message ?? "", hasMessage: message != nil, mailOn: mailOn)
        if caller.isAdmin {
            page.isAdmin = true
            page.deliveries = try await store.undelivered(db, limit: 50).map {
                Undelivered(delivery: $0, recipient: $0.recipientEmail ?? "#\($0.recipientId)", state: Formatting.label($0.status),
                            nextTry: $0.status == "failed" ? "given up" : Formatting.moment($0.nextAttemptAt))
            }
            page.hasDeliveries = !page.deliveries.isEmpty
        }
        return page
    }
}

/// The home page's list: the latest unread notifications.
struct HomeNotifications {
    var items: [NotificationsPage.Item]
    var has: Bool

    static func build(_ db: Connection, caller: Caller) async throws -> HomeNotifications {
        let list = try await NotificationStore().list(db, recipientID: caller.id, unreadOnly: true, page: try PageRequest(limit: 5))
        return HomeNotifications(items: list.items.map(NotificationsPage.item), has: !list.items.isEmpty)
    }
}

extension WebRoutes {

    @Sendable func notificationsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let mailOn = MailSettings.current != nil
        let body = try await services.pool.withConnection {
            try await NotificationsPage.build($0, caller: caller, message: Flash.message(request), mailOn: mailOn)
        }
        return Flash.shown(renderer.page("notifications", Page(frame: frame(caller, sessionToken: token, title: "Notifications", area: "notifications"),
                                                               body: body)), for: request)
    }

    /// Marks the notification read and goes to its record (or back to the list).
    @Sendable func notificationOpenForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, _ in
            let id = try request.id(context)
            let record = try await services.pool.withTransaction { try await NotificationActions().markRead($0, caller: caller, id: id) }
            return WebSession.redirect(record.link.map(WebSession.safeNext) ?? Site.notifications())
        }
    }

    @Sendable func notificationsReadAllForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, _ in
            let n = try await services.pool.withTransaction { try await NotificationActions().markAllRead($0, caller: caller) }
            return Flash.redirect(Site.notifications(), message: n == 1 ? "1 notification marked read." : "\(n) notifications marked read.")
        }
    }

    @Sendable func notificationPreferencesForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, form in
            var chosen: [String: NotificationChannel] = [:]
            for kind in NotificationKind.allCases {
                if let value = form["kind-" + kind.rawValue], let channel = NotificationChannel(rawValue: value) { chosen[kind.rawValue] = channel }
            }
            _ = try await services.pool.withTransaction {
                try await NotificationActions().choose($0, caller: caller, input: NotificationPreferencesInput(preferences: chosen))
            }
            return Flash.redirect(Site.notifications(), message: "Your choices are saved.")
        }
    }
}

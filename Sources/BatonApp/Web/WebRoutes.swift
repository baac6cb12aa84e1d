import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The browser's pages: sign-in, home, accounts, an account's record page and the
/// week's assignments. Server-rendered; the forms work without JavaScript.
struct WebRoutes {
    let services: AppServices
    let renderer: PageRenderer

    struct Frame {
        struct Nav { var label: String; var href: String; var current: Bool }
        var title: String
        var nav: [Nav]
        var userName: String
        var roles: String
        var csrf: String
    }

    func frame(_ caller: Caller, sessionToken: String, title: String, area: String) -> Frame {
        var nav = [Frame.Nav(label: "Home", href: "/", current: area == "home")]
        if PipelineAccess.canRead(caller.roles) {
            nav.append(.init(label: "Accounts", href: "/accounts", current: area == "accounts"))
            nav.append(.init(label: "Pipeline", href: "/pipeline", current: area == "pipeline"))
        }
        nav.append(.init(label: "Projects", href: "/projects", current: area == "projects"))
        nav.append(.init(label: "My week", href: "/my-week", current: area == "week"))
        if PipelineAccess.canRead(caller.roles) { nav.append(.init(label: "Reports", href: "/reports", current: area == "reports")) }
        if caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) {
            nav.append(.init(label: "Bonus", href: "/bonus", current: area == "bonus"))
        }
        if caller.isAdmin || caller.has(.manager) {
            nav.append(.init(label: "Admin", href: "/admin", current: area == "admin"))
        }
        return Frame(title: title, nav: nav, userName: caller.name,
                     roles: caller.roles.sorted().map(\.title).joined(separator: ", "),
                     csrf: WebSession.csrfToken(sessionToken: sessionToken))
    }

    func register(on router: Router<BatonRequestContext>) {
        router.get("sign-in") { request, _ in
            let token = SecretToken.randomString(bytes: 18)
            let next = WebSession.safeNext(request.uri.queryParameters["next"].map(String.init))
            var response = renderer.page("sign-in", ["csrf": token, "next": next, "error": ""])
            response.headers.append(HTTPField(name: .setCookie, value: "\(WebSession.csrfCookie)=\(token); Path=/sign-in; HttpOnly; SameSite=Strict"))
            return response
        }
        router.post("sign-in") { request, context in try await signIn(request, context) }
        let pages = router.group().add(middleware: AuthenticationMiddleware(services: services))
        pages.post("sign-out") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return WebSession.redirect("/sign-in") }
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            if case .session(let id) = caller.credential {
                try await services.pool.withConnection { try await services.sessions.revoke($0, sessionID: id) }
            }
            return WebSession.redirect("/sign-in", cookies: ["\(AuthenticationMiddleware.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"])
        }
        // Pages kept in files of their own (Web/ReportPages.swift, Web/AdminPages.swift).
        registerReportPages(on: pages)
        registerAdminPages(on: pages)
        pages.get("/") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let page = try await services.pool.withConnection { try await HomePage.build($0, caller: caller, services: services) }
            return renderer.page("home", Page(frame: frame(caller, sessionToken: token, title: "Home", area: "home"), body: page))
        }
        pages.get("accounts") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
            let q = request.uri.queryParameters["q"].map(String.init) ?? ""
            let list = try await services.pool.withConnection { db in
                try await services.accounts.list(db, visibleTo: caller, filter: .init(text: q, sort: .name), page: try PageRequest(request))
            }
            struct Body { var q: String; var accounts: [AccountRecord]; var next: String?; var empty: Bool }
            return renderer.page("accounts", Page(frame: frame(caller, sessionToken: token, title: "Accounts", area: "accounts"),
                                                  body: Body(q: q, accounts: list.items, next: list.nextCursor, empty: list.items.isEmpty)))
        }
        pages.get("accounts/:id") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
            let id = try request.id(context)
            guard let body = try await services.pool.withConnection({ try await AccountPage.build($0, id: id, caller: caller, services: services) }) else {
                return renderer.page("not-found", [String: String](), status: .notFound)
            }
            return renderer.page("account", Page(frame: frame(caller, sessionToken: token, title: body.account.name, area: "accounts"), body: body))
        }
        pages.post("accounts/:id/activities") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let id = try request.id(context)
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            let kind = ActivityKind(rawValue: form["kind"] ?? "") ?? .note
            let subject = (form["subject"] ?? "").trimmed
            guard !subject.isEmpty, subject.count <= 200 else { return WebSession.redirect("/accounts/\(id)?error=subject") }
            try await services.pool.withTransaction { db in
                guard try await services.accounts.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("account") }
                _ = try await services.activities.create(db, ActivityFields(
                    kind: kind, subject: subject, body: form["body"].flatMap { $0.trimmed.nilIfEmpty }, accountID: id,
                    contactID: nil, opportunityID: nil, projectID: nil, ownerID: caller.id, dueAt: nil,
                    doneAt: kind == .task ? nil : Timestamp.now), by: caller.id)
            }
            return WebSession.redirect("/accounts/\(id)")
        }
        pages.get("opportunities/:id") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
            let id = try request.id(context)
            guard let body = try await services.pool.withConnection({ try await OpportunityPage.build($0, id: id, caller: caller, services: services) }) else {
                return renderer.page("not-found", [String: String](), status: .notFound)
            }
            return renderer.page("opportunity", Page(frame: frame(caller, sessionToken: token, title: body.opportunity.name, area: "pipeline"), body: body))
        }
        pages.get("projects/:id") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let id = try request.id(context)
            guard var body = try await services.pool.withConnection({ try await ProjectPage.build($0, id: id, caller: caller, services: services) }) else {
                return renderer.page("not-found", [String: String](), status: .notFound)
            }
            body.error = QueryParameters(request).string("error")
            return renderer.page("project", Page(frame: frame(caller, sessionToken: token, title: body.project.name, area: "projects"), body: body))
        }
        // The project page's forms go through the API's own handlers' rules by calling the stores the same way.
        pages.post("projects/:id/:action") { request, context in try await projectForm(request, context, itemID: nil) }
        pages.post("projects/:id/phases/:phaseId/:action") { request, context in try await projectForm(request, context, itemID: nil) }
        pages.post("projects/:id/checklist/:itemId") { request, context in try await projectForm(request, context, itemID: try request.id(context, "itemId")) }
        pages.get("proposals/:id") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let id = try request.id(context)
            let error = QueryParameters(request).string("error")
            guard let body = try await services.pool.withConnection({
                try await ProposalPage.build($0, id: id, caller: caller, services: services, error: error)
            }) else { return renderer.page("not-found", [String: String](), status: .notFound) }
            return renderer.page("proposal", Page(frame: frame(caller, sessionToken: token, title: "Proposal", area: "pipeline"), body: body))
        }
        pages.post("proposals/:id/act") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let id = try request.id(context)
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            guard let action = ProposalAction(rawValue: form["action"] ?? "") else { return forbidden() }
            let today = Timestamp.now.calendarDate
            let back = "/proposals/\(id)"
            do {
                try await services.pool.withTransaction { db in
                    guard let proposal = try await services.proposals.find(db, id: id, visibleTo: caller, today: today, forUpdate: true) else {
                        throw APIError.notFound("proposal")
                    }
                    let actor = ProposalActor(isAuthorSide: PipelineAccess.canWrite(caller.roles) || proposal.authorId == caller.id,
                                              isReviewer: proposal.reviewerId == caller.id, isAdmin: caller.isAdmin)
                    let acceptedOn = form["acceptedOn"].flatMap { CalendarDate($0) } ?? today
                    let comment = form["comment"]?.trimmed.nilIfEmpty
                    let next: ProposalStatus
                    do {
                        next = try ProposalWorkflow.apply(action, to: proposal.storedStatus, actor: actor, hasReviewer: proposal.reviewerId != nil,
                                                          validUntil: proposal.validUntil, today: today, acceptedOn: acceptedOn, comment: comment)
                    } catch { throw ProposalRoutes.problem(error) }
                    if action == .submit, let reviewer = proposal.reviewerId {
                        try await Handoff.addReviewerToTeam(db, opportunityID: proposal.opportunityId, reviewerID: reviewer)
                    }
                    let moved = try await services.proposals.move(db, proposal, action: action, to: next, comment: comment,
                                                                  acceptedOn: acceptedOn, by: caller.id, today: today)
                    if action == .accept { _ = try await Handoff(services: services).accept(db, moved, acceptedOn: acceptedOn, by: caller.id) }
                }
            } catch let error as APIError where error.status.code < 500 {
                return WebSession.redirect(back + "?error=" + (error.detail.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            return WebSession.redirect(back)
        }
        pages.post("proposals/:id/lines") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let id = try request.id(context)
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            let today = Timestamp.now.calendarDate
            let back = "/proposals/\(id)"
            do {
                try await services.pool.withTransaction { db in
                    guard let before = try await services.proposals.find(db, id: id, visibleTo: caller, today: today, forUpdate: true) else {
                        throw APIError.notFound("proposal")
                    }
                    try Scope.requireWriter(caller)
                    guard before.status == .draft else { throw APIError.conflict("Only a draft's lines can be changed.") }
                    var v = Validator()
                    let lines = before.lines.enumerated().map { i, l -> ProposalLineInput in
                        func number(_ name: String, _ fallback: Decimal) -> Decimal {
                            guard let text = form[name] else { return fallback }
                            guard let value = Decimal(apiText: text.trimmed) else { v.add("lines[\(i)]", "\(name) must be a number"); return fallback }
                            return value
                        }
                        return ProposalLineInput(typicalProjectId: l.typicalProjectId, description: l.description,
                                                 quantity: number("quantity\(i)", l.quantity.value), unit: l.unit,
                                                 unitPrice: number("unitPrice\(i)", l.unitPrice.amount),
                                                 discountPercent: number("discount\(i)", l.discountPercent.value))
                    }
                    let draft = ProposalDraft(reviewerID: before.reviewerId, terms: before.terms, validUntil: before.validUntil,
                                              proposedStart: before.proposedStart, discountPercent: before.discountPercent.value, lines: lines)
                    draft.check(into: &v)
                    try v.throwIfInvalid()
                    _ = try await services.proposals.update(db, before: before, draft: draft, by: caller.id, today: today)
                }
            } catch let failure as ValidationFailure {
                return WebSession.redirect(back + "?error=" + (failure.errors.map(\.message).joined(separator: "; ").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            } catch let error as APIError where error.status.code < 500 {
                return WebSession.redirect(back + "?error=" + (error.detail.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            return WebSession.redirect(back)
        }
        pages.get("bonus") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let body = try await services.pool.withConnection { try await BonusRunsPage.build($0, caller: caller, services: services) }
            return renderer.page("bonus", Page(frame: frame(caller, sessionToken: token, title: "Bonus", area: "bonus"), body: body))
        }
        pages.get("bonus/:run/:user") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let runID = try request.id(context, "run")
            let userID = try request.id(context, "user")
            let currency = services.configuration.currency
            let page = try await services.pool.withConnection { db -> StatementPage? in
                var visible = caller.isAdmin || caller.id == userID
                if !visible { visible = try await services.users.isManager(db, managerID: caller.id, of: userID) }
                guard visible, let statement = try await services.bonus.statement(db, runID: runID, userID: userID) else { return nil }
                let locked = statement.runStatus == "approved"
                var canApprove = !locked && caller.isAdmin
                if !locked && !canApprove && caller.has(.manager) {
                    canApprove = try await services.users.isManager(db, managerID: caller.id, of: userID)
                }
                let c = statement.computation
                return StatementPage(statement: statement, locked: locked, canApprove: canApprove, lines: c.lines, explanation: c.explanation,
                                     payout: c.payout.amount.display(currency: currency), hasAdjustments: !c.adjustments.isEmpty)
            }
            guard let page else { return renderer.page("not-found", [String: String](), status: .notFound) }
            return renderer.page("statement", Page(frame: frame(caller, sessionToken: token, title: "Bonus statement", area: "bonus"), body: page))
        }
        pages.post("bonus/:run/approve") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let runID = try request.id(context, "run")
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            guard caller.isAdmin || caller.has(.manager) else { return forbidden() }
            let approved = try await services.pool.withTransaction { db -> Bool in
              // The approver must stand above every statement in the run, so the check reads them all.
              try await db.withoutRowSecurity {
                guard let run = try await services.bonus.run(db, id: runID, forUpdate: true), run.status == "draft" else { return false }
                if !caller.isAdmin {
                    for s in run.statements where try await !services.users.isManager(db, managerID: caller.id, of: s.userId) { return false }
                }
                let plan = try await services.bonus.plan(db, id: run.planId)!
                return try await services.bonus.approve(db, run: run, plan: plan, period: try await services.quotas.period(db, key: run.period), by: caller.id)
              }
            }
            return approved ? WebSession.redirect("/bonus") : forbidden()
        }
        pages.get("reports") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
            let key = QueryParameters(request).string("period")
            let body = try await services.pool.withConnection { try await ReportsPage.build($0, caller: caller, services: services, key: key) }
            return renderer.page("reports", Page(frame: frame(caller, sessionToken: token, title: "Reports", area: "reports"), body: body))
        }
        pages.get("pipeline") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
            let q = QueryParameters(request)
            let ownerID = try? q.id("owner")
            let calendar = services.quotas.calendar
            let period = (try? calendar.period(key: q.string("period") ?? "", field: "period"))
                ?? calendar.period(containing: Timestamp.now.calendarDate, kind: .quarter)
            let board = try await services.pool.withConnection {
                try await PipelineBoard.build($0, caller: caller, services: services, ownerID: ownerID ?? nil, period: period,
                                              error: q.string("error"))
            }
            return renderer.page("pipeline", Page(frame: frame(caller, sessionToken: token, title: "Pipeline", area: "pipeline"), body: board))
        }
        pages.post("pipeline/:id/stage") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let id = try request.id(context)
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            var keys: Set<String> = ["stage"]
            var input = OpportunityRoutes.OpportunityInput(stage: form["stage"])
            if let reason = form["lostReason"]?.trimmed, !reason.isEmpty {
                input.lostReason = reason
                keys.insert("lostReason")
            }
            let back = "/pipeline?period=\(form["period"] ?? "")"
            do {
                _ = try await services.pool.withTransaction { db in
                    try await OpportunityRoutes(services: services).change(db, caller: caller, id: id, expected: nil, input: input, keys: keys)
                }
            } catch let failure as ValidationFailure {
                let message = failure.errors.map(\.message).joined(separator: "; ")
                return WebSession.redirect(back + "&error=" + (message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            } catch let error as APIError where error.status.code < 500 {
                return WebSession.redirect(back + "&error=" + (error.detail.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            return WebSession.redirect(back)
        }
        pages.get("my-week") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let today = Timestamp.now.calendarDate
            let monday = today.adding(days: 1 - today.isoWeekday)
            let (items, calendarURL) = try await services.pool.withConnection { db in
                (try await services.delivery.assignments(db, userID: caller.id, from: monday, to: monday.adding(days: 6)),
                 "/calendar/\(try await services.users.calendarToken(db, userID: caller.id)).ics")
            }
            struct Body { var from: String; var to: String; var items: [DeliveryStore.MyAssignment]; var empty: Bool; var calendarUrl: String }
            return renderer.page("my-week", Page(frame: frame(caller, sessionToken: token, title: "My week", area: "week"),
                                                 body: Body(from: monday.description, to: monday.adding(days: 6).description, items: items,
                                                            empty: items.isEmpty, calendarUrl: calendarURL)))
        }
    }

    /// Completing or reopening a phase, checking an item, assigning a suggested person.
    private func projectForm(_ request: Request, _ context: BatonRequestContext, itemID: Int64?) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let id = try request.id(context)
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        let back = "/projects/\(id)"
        let today = Timestamp.now.calendarDate
        do {
            try await services.pool.withTransaction { db in
                guard let project = try await services.projects.find(db, id: id, visibleTo: caller) else { throw APIError.notFound("project") }
                guard try await services.delivery.canManage(db, caller: caller, projectManagerID: project.projectManagerId) else {
                    throw APIError.forbidden("Only the project's manager, a manager above them, or an admin may do this.")
                }
                let action = context.parameters.get("action") ?? ""
                if let itemID {
                    _ = try await services.delivery.setChecked(db, projectID: id, itemID: itemID, checked: form["checked"] == "true", by: caller.id)
                } else if let phaseID = try? request.id(context, "phaseId") {
                    try await db.query("SELECT id FROM projects WHERE id = \(id) FOR UPDATE")
                    let phases = try await services.delivery.phaseStates(db, projectID: id)
                    guard let phase = phases.first(where: { $0.id == phaseID }) else { throw APIError.notFound("phase") }
                    if action == "complete" {
                        let outcome = try ProjectProgress.complete(phase: phase, in: phases,
                            checklist: try await services.delivery.checklistStates(db, projectID: id), on: today, today: today)
                        try await services.delivery.completePhase(db, projectID: id, phaseID: phaseID, on: outcome.phaseCompletedOn,
                                                                  projectCompletes: outcome.projectCompletes, by: caller.id)
                    } else {
                        try ProjectProgress.reopen(phase: phase)
                        try await services.delivery.reopenPhase(db, projectID: id, phase: phase, by: caller.id)
                    }
                } else if action == "assign" {
                    guard let user = form["userId"].flatMap({ Int64($0) }), let start = form["start"].flatMap({ CalendarDate($0) }),
                        let end = form["end"].flatMap({ CalendarDate($0) }), let hours = form["hoursPerWeek"].flatMap({ Decimal(apiText: $0) })
                    else { throw ValidationFailure("hoursPerWeek", "Hours a week must be a number") }
                    let fields = AssignmentFields(userID: user, role: (form["role"] ?? "consultant").trimmed, start: start, end: end,
                                                  hoursPerWeek: hours, location: form["location"]?.trimmed.nilIfEmpty, status: "proposed")
                    var v = Validator()
                    fields.check(into: &v)
                    try v.throwIfInvalid()
                    try await db.query("SELECT id FROM users WHERE id = \(user) FOR UPDATE")
                    let capacity = try await services.delivery.capacity(db, userID: user) ?? 0
                    let over = Overbooking.overbookedWeeks(capacity: capacity, existing: try await services.delivery.bookings(db, userID: user),
                                                           adding: fields.booking)
                    guard over.isEmpty else {
                        throw APIError.conflict("That would book the person past capacity in the week of \(over[0].weekStart); assign fewer hours.")
                    }
                    _ = try await services.delivery.createAssignment(db, projectID: id, fields, overbooked: false, by: caller.id)
                }
            }
        } catch let refusal as CompletionRefusal {
            return WebSession.redirect(back + "?error=" + (refusal.message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        } catch let failure as ValidationFailure {
            return WebSession.redirect(back + "?error=" + (failure.errors.map(\.message).joined(separator: "; ").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        } catch let error as APIError where error.status.code < 500 {
            return WebSession.redirect(back + "?error=" + (error.detail.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return WebSession.redirect(back)
    }

    struct Page<Body> {
        var frame: Frame
        var body: Body
    }

    /// The signed-in person and their session token, from the session cookie only:
    /// pages never take bearer tokens, so a form cannot be driven by a stolen API token.
    func signedIn(_ request: Request, _ context: BatonRequestContext) throws -> (Caller, String)? {
        guard let caller = context.caller, case .session = caller.credential,
            let token = AuthenticationMiddleware.sessionCookie(request)
        else { return nil }
        return (caller, token)
    }

    func toSignIn(_ request: Request) -> Response {
        WebSession.redirect("/sign-in?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["/"])) ?? "/"))
    }

    func forbidden() -> Response {
        renderer.page("forbidden", [String: String](), status: .forbidden)
    }

    private func signIn(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let next = WebSession.safeNext(form["next"])
        guard let cookie = WebSession.cookie(request, WebSession.csrfCookie), form["csrf"] == cookie else { return forbidden() }
        let again = { (message: String) -> Response in
            renderer.page("sign-in", ["csrf": cookie, "next": next, "error": message], status: .unauthorized)
        }
        let emailKey = PersonRules.emailKey(form["email"] ?? "")
        let password = form["password"] ?? ""
        guard !emailKey.isEmpty, !password.isEmpty else { return again("Enter your email and password.") }
        let pool = services.pool
        if try await pool.withConnection({ try await services.throttle.retryAfter($0, emailKey: emailKey, address: context.remoteAddress) }) != nil {
            return again("Too many failed sign-ins; wait 15 minutes and try again.")
        }
        let account = try await pool.withConnection { try await services.users.passwordHash($0, emailKey: emailKey) }
        let matches = try await Passwords.verify(password, hash: account?.hash ?? Passwords.decoy)
        guard let account, account.hash != nil, account.active, matches else {
            try await pool.withConnection {
                try await services.throttle.record($0, emailKey: emailKey, address: context.remoteAddress, succeeded: false)
            }
            return again("The email or the password is wrong.")
        }
        let session = try await pool.withTransaction { db in
            try await services.throttle.record(db, emailKey: emailKey, address: context.remoteAddress, succeeded: true)
            return try await services.sessions.create(db, userID: account.id)
        }
        var sessionCookie = "\(AuthenticationMiddleware.cookieName)=\(session.token); Path=/; Max-Age=\(services.configuration.sessionHours * 3600); HttpOnly; SameSite=Lax"
        if services.configuration.cookieSecure { sessionCookie += "; Secure" }
        return WebSession.redirect(next, cookies: [sessionCookie, "\(WebSession.csrfCookie)=; Path=/sign-in; Max-Age=0"])
    }
}

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
        struct Nav {
            var label: String; var href: String; var current: Bool
            /// A count beside the link (the caller's overdue tasks): one number, or none
            /// (a list, as Mustache draws a 0 as it draws any other number).
            var badge: [Int] = []
        }
        var title: String
        var nav: [Nav]
        var userName: String
        var roles: String
        var csrf: String
        /// The bell: unread notifications (`NotificationBellMiddleware`).
        var unread = 0
        var hasUnread = false
    }

    func frame(_ caller: Caller, sessionToken: String, title: String, area: String) -> Frame {
        var nav = [Frame.Nav(label: "Home", href: "/", current: area == "home")]
        if PipelineAccess.canRead(caller.roles) {
            nav.append(.init(label: "Accounts", href: "/accounts", current: area == "accounts"))
            nav.append(.init(label: "Pipeline", href: "/pipeline", current: area == "pipeline"))
            nav.append(.init(label: "Deals", href: "/opportunities", current: area == "deals"))
            nav.append(.init(label: "Contacts", href: "/contacts", current: area == "contacts"))
            nav.append(.init(label: "Agreements", href: Site.agreements(), current: area == "agreements"))
        }
        nav.append(.init(label: "Projects", href: "/projects", current: area == "projects"))
        if Self.runsRotation(caller) { nav.append(.init(label: "Rotation", href: Site.rotation(), current: area == "rotation")) }
        nav.append(.init(label: "Tasks", href: "/tasks", current: area == "tasks", badge: OverdueTasks.badge))
        nav.append(.init(label: "My week", href: "/my-week", current: area == "week"))
        nav.append(.init(label: "Time off", href: "/time-off", current: area == "time-off"))
        if PipelineAccess.canRead(caller.roles) { nav.append(.init(label: "Reports", href: "/reports", current: area == "reports")) }
        if caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) {
            nav.append(.init(label: "Bonus", href: "/bonus", current: area == "bonus"))
        }
        if ImportAccess.canImport(caller.roles) { nav.append(.init(label: "Import", href: "/imports", current: area == "imports")) }
        if caller.isAdmin || caller.has(.manager) {
            nav.append(.init(label: "Admin", href: "/admin", current: area == "admin"))
        }
        return Frame(title: title, nav: nav, userName: caller.name,
                     roles: caller.roles.sorted().map(\.title).joined(separator: ", "),
                     csrf: WebSession.csrfToken(sessionToken: sessionToken), unread: NotificationBell.unread ?? 0,
                     hasUnread: (NotificationBell.unread ?? 0) > 0)
    }

    /// Every page Baton serves, in one table: the path comes from `Site` (which also
    /// builds the links), the handler from the page's area.
    func register(on router: Router<BatonRequestContext>) {
        router.get("sign-in") { request, _ in
            let token = SecretToken.randomString(bytes: 18)
            let next = WebSession.safeNext(request.uri.queryParameters["next"].map(String.init))
            var response = renderer.page("sign-in", ["csrf": token, "next": next, "error": ""])
            response.headers.append(HTTPField(name: .setCookie, value: "\(WebSession.csrfCookie)=\(token); Path=/sign-in; HttpOnly; SameSite=Strict"))
            return response
        }
        router.post("sign-in") { request, context in try await signIn(request, context) }
        // The pages' errors are pages (404, 403, 500…) with the real status, not the API's JSON.
        let pages = router.group().add(middleware: WebErrorMiddleware(renderer: renderer))
            .add(middleware: AuthenticationMiddleware(services: services))
            .add(middleware: NotificationBellMiddleware(services: services))
            .add(middleware: FirmZoneMiddleware(services: services))
        pages.post("sign-out", use: signOut)
        pages.get("/", use: homePage)
        // Accounts, their contacts and activities.
        pages.get(Site.accounts.pattern, use: showAccounts)
        pages.post(Site.accounts.pattern, use: createAccountForm)
        pages.get(Site.account.pattern, use: showAccount)
        pages.post(Site.account.pattern, use: saveAccountDetails)
        pages.post(Site.accountContacts.pattern, use: addContactForm)
        pages.post(Site.accountActivities.pattern, use: logActivityForm)

        // List views.
        pages.get(Site.opportunities.pattern, use: showOpportunityList)
        pages.get(Site.contacts.pattern, use: showContactList)
        // A contact's page: its details in place, its timeline and tasks, archive.
        pages.get(Site.contact.pattern, use: showContact)
        pages.post(Site.contact.pattern, use: saveContactDetails)
        pages.post(Site.contactActivities.pattern, use: logContactActivityForm)
        pages.post(Site.contactArchive.pattern, use: archiveContactForm)
        pages.post(Site.listViews.pattern, use: saveListViewForm)
        pages.post(Site.listViewDelete.pattern, use: deleteListViewForm)

        // The pipeline board and a deal.
        pages.get(Site.pipeline.pattern, use: showPipeline)
        pages.post(Site.pipelineStage.pattern, use: moveOnBoardForm)
        pages.post(Site.accountOpportunities.pattern, use: createOpportunityForm)
        pages.get(Site.opportunity.pattern, use: showOpportunity)
        pages.post(Site.opportunityProposals.pattern, use: createProposalForm)
        pages.post(Site.opportunity.pattern, use: saveOpportunityDetails)
        pages.post(Site.opportunityStage.pattern, use: moveOpportunityForm)
        pages.post(Site.opportunityTeam.pattern, use: saveOpportunityTeam)

        // Lost reasons.
        pages.get(Site.adminLostReasons.pattern, use: showLostReasons)
        pages.post(Site.adminLostReasons.pattern, use: addLostReasonForm)
        pages.post(Site.adminLostReasonRetire.pattern, use: retireLostReasonForm)

        // The firm's settings; the form calls `FirmSettingsActions`, as `PATCH /settings` does.
        pages.get(Site.adminSettings.pattern, use: firmSettingsPage)
        pages.post(Site.adminSettings.pattern, use: firmSettingsForm)

        // Proposals.
        // A proposal's page and its forms: the workflow's moves and the draft's lines.
        // Every form posts with its CSRF token and calls `ProposalActions`, as the API
        // does; a refused post draws the page again with the API's status, what was typed
        // and each field's message beside it; one that works redirects (303).
        pages.get(Site.proposal.pattern, use: showProposal)
        pages.post(Site.proposal.pattern, use: saveProposalHeader)
        pages.post(Site.proposalAct.pattern, use: proposalMove)
        pages.post(Site.proposalLines.pattern, use: proposalLinesEdit)
        pages.post(Site.proposalLinesAdd.pattern, use: proposalLineAdd)
        pages.post(Site.proposalLinesRemove.pattern, use: proposalLineRemove)

        // Delivery.
        // The delivery pages: the projects a person sees, a project (phases, checklist,
        // staffing, the client's link) and a person's week. Every form posts with its CSRF
        // token and calls `DeliveryActions`, as the API does, so a page and the API take
        // the same rules; a refused post draws the page again with the API's status and
        // its messages beside the fields that were sent; one that works redirects (303).
        pages.get(Site.projects.pattern, use: projectsList)
        pages.get(Site.project.pattern, use: showProject)
        pages.post(Site.projectAction.pattern, use: projectAction)
        pages.post(Site.projectPhaseAction.pattern, use: phaseForm)
        pages.post(Site.projectChecklistItem.pattern, use: checklistForm)
        pages.post(Site.project.pattern, use: saveProjectDetails)
        pages.post(Site.projectEdit.pattern, use: projectEditForm)
        pages.get(Site.myWeek.pattern, use: myWeek)
        pages.get(Site.projectStaffing.pattern, use: projectStaffing)
        pages.get(Site.resources.pattern, use: resources)
        pages.get(Site.rotation.pattern, use: rotationBoard)
        pages.post(Site.rotationMove.pattern, use: rotationMove)

        // Time off.
        // Time off: ask for it (`/time-off`, linked from my week), and decide on it
        // (`/time-off/approvals`, for managers). The forms call `TimeOffActions`, as the API does.
        pages.get(Site.timeOff.pattern, use: timeOffPage)
        pages.post(Site.timeOff.pattern, use: timeOffRequestForm)
        pages.get(Site.timeOffApprovals.pattern, use: timeOffApprovalsPage)
        pages.post(Site.timeOffAction.pattern, use: timeOffActionForm)

        // Tasks.
        pages.post(Site.taskDone.pattern, use: taskDoneForm)
        pages.get(Site.tasks.pattern, use: showTasks)
        pages.get(Site.taskNew.pattern, use: newTaskPage)
        pages.post(Site.tasks.pattern, use: createTaskForm)

        // The header's global search.
        pages.get(Site.search.pattern, use: showSearch)

        // Quotas.
        pages.get(Site.adminQuotas.pattern, use: quotasPage)
        pages.post(Site.adminQuotas.pattern, use: setQuota)

        // Bonus runs, statements and plans.
        pages.get(Site.bonus.pattern, use: bonusRunsPage)
        pages.post(Site.bonus.pattern, use: computeBonusRun)
        pages.get(Site.bonusStatement.pattern, use: bonusStatementPage)
        pages.post(Site.bonusApprove.pattern, use: approveBonusRun)
        pages.get(Site.adminBonusPlans.pattern, use: bonusPlansPage)
        pages.get(Site.adminBonusPlan.pattern, use: bonusPlanPage)
        pages.post(Site.adminBonusPlan.pattern, use: saveBonusPlan)
        pages.post(Site.adminBonusPlanCopy.pattern, use: copyBonusPlan)
        pages.post(Site.adminBonusPlanMembers.pattern, use: addBonusPlanMember)
        pages.post(Site.adminBonusPlanMemberRemove.pattern, use: removeBonusPlanMember)
        pages.post(Site.adminBonusPlanOverrides.pattern, use: setBonusPlanOverride)

        // A bonus run.
        pages.get(Site.bonusRun.pattern, use: bonusRunPage)
        pages.post(Site.bonusRunRecompute.pattern, use: recomputeBonusRun)
        pages.post(Site.bonusRunAdjustments.pattern, use: adjustBonusStatement)
        pages.get(Site.bonusRunCSV.pattern, use: bonusRunCSV)
        pages.post(Site.bonusStatementApprove.pattern, use: approveBonusStatement)
        pages.post(Site.bonusWhatIf.pattern, use: bonusWhatIf)

        // The report pages: `/reports` (forecast and attainment), pipeline, sales
        // performance, delivery, growth. Each reads the same store function as its
        // `/api/v1/reports/…` twin, through the same reader and with the same role check,
        // so the page and the API agree; the pickers are plain GET forms, and a value that
        // does not parse is shown on the page.
        pages.get(Site.reports.pattern, use: reportsPage)
        pages.get(Site.reportPipeline.pattern, use: pipelineReportPage)
        pages.get(Site.reportSalesPerformance.pattern, use: salesPerformancePage)
        pages.get(Site.reportDelivery.pattern, use: deliveryReportPage)
        pages.get(Site.reportGrowth.pattern, use: growthReportPage)
        pages.get(Site.reportRecurringRevenue.pattern, use: recurringRevenuePage)
        pages.get(Site.agreements.pattern, use: agreementsPage)
        pages.get(Site.agreement.pattern, use: agreementPage)
        pages.post(Site.agreementDowngrade.pattern, use: downgradeAgreementForm)

        // `/imports`: for those who may import through the API (admins, managers and
        // account managers); everyone else gets the forbidden page.
        pages.get(Site.imports.pattern, use: importPage)
        pages.post(Site.imports.pattern, use: importForm)

        // Admin: `/admin` lists the sections this person may open (people and roles,
        // skills, calendars, stages, typical projects, quotas, bonus plans).
        pages.get("admin", use: adminHome)

        // People and skills.
        pages.get(Site.adminPeople.pattern, use: showPeople)
        pages.post(Site.adminPeople.pattern, use: addPersonForm)
        pages.get(Site.adminPerson.pattern, use: showPerson)
        pages.post(Site.adminPerson.pattern, use: savePersonForm)
        pages.post(Site.adminPersonSkills.pattern, use: savePersonSkillsForm)
        pages.get(Site.adminSkills.pattern, use: showSkills)
        pages.post(Site.adminSkills.pattern, use: addSkillForm)

        // Holiday and working calendars.
        pages.get(Site.adminHolidays.pattern, use: holidayCalendarsPage)
        pages.post(Site.adminHolidays.pattern, use: holidayCalendarCreateForm)
        pages.get(Site.adminHolidayCalendar.pattern, use: holidayCalendarPage)
        pages.post(Site.adminHolidayCalendarAction.pattern, use: holidayCalendarActionForm)
        pages.get(Site.adminPersonCalendar.pattern, use: personCalendarPage)
        pages.post(Site.adminPersonCalendar.pattern, use: personCalendarForm)

        // Pipeline stages; the forms call `StageActions`.
        pages.get(Site.adminStages.pattern, use: showAdminStages)
        pages.post(Site.adminStages.pattern, use: addStageForm)
        pages.get(Site.adminStage.pattern, use: showAdminStage)
        pages.post(Site.adminStage.pattern, use: saveStageForm)
        pages.post(Site.adminStageDelete.pattern, use: deleteStageForm)

        // The catalog of typical projects; the forms call `CatalogActions`.
        pages.get(Site.adminTypicalProjects.pattern, use: showCatalog)
        pages.post(Site.adminTypicalProjects.pattern, use: addTypicalProjectForm)
        pages.get(Site.adminTypicalProject.pattern, use: showTypicalProject)
        pages.post(Site.adminTypicalProject.pattern, use: saveTypicalProjectForm)

        // Time: the timesheet and its approvals, a project's budget, the profitability report.
        pages.get(Site.timesheet.pattern, use: timesheetPage)
        pages.post(Site.timesheet.pattern, use: timesheetForm)
        pages.post(Site.timesheetDecision.pattern, use: timesheetDecisionForm)
        pages.get(Site.projectBudget.pattern, use: projectBudgetPage)
        pages.get(Site.reportProfitability.pattern, use: profitabilityPage)

        // Notifications: the bell's page, read, preferences.
        pages.get(Site.notifications.pattern, use: notificationsPage)
        pages.post(Site.notificationsReadAll.pattern, use: notificationsReadAllForm)
        pages.post(Site.notificationsPreferences.pattern, use: notificationPreferencesForm)
        pages.post(Site.notificationOpen.pattern, use: notificationOpenForm)
    }

    /// Home: what this person works on now.
    @Sendable func homePage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let page = try await services.pool.withConnection { try await HomePage.build($0, caller: caller, services: services) }
        return renderer.page("home", Page(frame: frame(caller, sessionToken: token, title: "Home", area: "home"), body: page))
    }

    /// Ends the session (the form carries its CSRF token) and returns to sign-in.
    @Sendable func signOut(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return WebSession.redirect("/sign-in") }
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        if case .session(let id) = caller.credential {
            try await services.pool.withConnection { try await services.sessions.revoke($0, sessionID: id) }
        }
        return WebSession.redirect("/sign-in", cookies: ["\(AuthenticationMiddleware.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"])
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

    func notFound() -> Response {
        renderer.page("not-found", [String: String](), status: .notFound)
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
        let session: SessionStore.NewSession
        let address = ClientAddress.current ?? context.remoteAddress
        switch try await SignIn(services: services).attempt(emailKey: emailKey, password: password, address: address, via: "page") {
        case .throttled(let seconds):
            return again("Too many failed sign-ins; wait \(SignIn.waitText(seconds: seconds)) and try again.")
        case .refused:
            return again("The email or the password is wrong.")
        case .signedIn(let opened, _):
            session = opened
        }
        var sessionCookie = "\(AuthenticationMiddleware.cookieName)=\(session.token); Path=/; Max-Age=\(services.configuration.sessionHours * 3600); HttpOnly; SameSite=Lax"
        if services.configuration.cookieSecure { sessionCookie += "; Secure" }
        return WebSession.redirect(next, cookies: [sessionCookie, "\(WebSession.csrfCookie)=; Path=/sign-in; Max-Age=0"])
    }
}

import Hummingbird

/// Every operation of the API under `/api/v1`, in one table: the paths read as
/// docs/openapi.yaml does, and each names the area's handler that serves it (routes
/// decode, call the area's action, encode). An area adds its operations here.
/// Sign-in and tokens, imports and the client link still register on their own
/// (their handlers are closures or take a second router), from `buildApplication`.
struct APIRoutes {
    let services: AppServices

    var users: UserRoutes { UserRoutes(services: services) }
    var holidayCalendars: HolidayCalendarRoutes { HolidayCalendarRoutes(services: services) }
    var timeOff: TimeOffRoutes { TimeOffRoutes(services: services) }
    var accounts: AccountRoutes { AccountRoutes(services: services) }
    var contacts: ContactRoutes { ContactRoutes(services: services) }
    var activities: ActivityRoutes { ActivityRoutes(services: services) }
    var stages: StageRoutes { StageRoutes(services: services) }
    var opportunities: OpportunityRoutes { OpportunityRoutes(services: services) }
    var catalog: CatalogRoutes { CatalogRoutes(services: services) }
    var proposals: ProposalRoutes { ProposalRoutes(services: services) }
    var delivery: DeliveryRoutes { DeliveryRoutes(services: services) }
    var quotas: QuotaRoutes { QuotaRoutes(services: services) }
    var bonus: BonusRoutes { BonusRoutes(services: services) }
    var reports: ReportRoutes { ReportRoutes(services: services) }
    var recurringRevenue: RecurringRevenueRoutes { RecurringRevenueRoutes(services: services) }
    var time: TimeRoutes { TimeRoutes(services: services) }
    var notifications: NotificationRoutes { NotificationRoutes(services: services) }
    var agreements: AgreementRoutes { AgreementRoutes(services: services) }
    var search: SearchRoutes { SearchRoutes(services: services) }
    var sites: SiteRoutes { SiteRoutes(services: services) }
    var imports: ImportRoutes { ImportRoutes(services: services) }
    var listViews: ListViewRoutes { ListViewRoutes(services: services) }
    var settings: FirmSettingsRoutes { FirmSettingsRoutes(services: services) }

    func register(on api: RouterGroup<BatonRequestContext>) {
        // UserRoutes
        api.get("users", use: users.list)
        api.post("users", use: users.create)
        api.get("users/:id", use: users.show)
        api.patch("users/:id", use: users.update)
        api.put("users/:id/skills", use: users.setSkills)
        api.get("skills", use: users.listSkills)
        api.post("skills", use: users.addSkill)
        // HolidayCalendarRoutes
        api.get("holiday-calendars", use: holidayCalendars.list)
        api.post("holiday-calendars", use: holidayCalendars.create)
        api.get("holiday-calendars/:id", use: holidayCalendars.show)
        api.patch("holiday-calendars/:id", use: holidayCalendars.update)
        api.delete("holiday-calendars/:id", use: holidayCalendars.delete)
        api.post("holiday-calendars/:id/import", use: holidayCalendars.importFile)
        api.get("users/:id/working-calendar", use: holidayCalendars.personCalendar)
        api.put("users/:id/working-calendar", use: holidayCalendars.setPersonCalendar)
        // TimeOffRoutes
        api.get("time-off", use: timeOff.list)
        api.post("time-off", use: timeOff.create)
        api.get("time-off/:id", use: timeOff.show)
        api.post("time-off/:id/approve", use: timeOff.approve)
        api.post("time-off/:id/decline", use: timeOff.decline)
        api.post("time-off/:id/cancel", use: timeOff.cancel)
        // AccountRoutes
        accounts.registerRecords(on: api)
        api.post("accounts/:id/restore", use: accounts.restore)
        api.get("accounts/:id/timeline", use: accounts.timeline)
        // ContactRoutes
        contacts.registerRecords(on: api)
        // ActivityRoutes
        activities.registerRecords(on: api)
        // StageRoutes
        api.get("pipeline-stages", use: stages.list)
        api.post("pipeline-stages", use: stages.create)
        api.get("pipeline-stages/:key", use: stages.show)
        api.patch("pipeline-stages/:key", use: stages.update)
        api.delete("pipeline-stages/:key", use: stages.delete)
        // OpportunityRoutes
        api.get("opportunities", use: opportunities.list)
        api.post("opportunities", use: opportunities.create)
        api.get("opportunities/:id", use: opportunities.show)
        api.get("opportunities/:id/history", use: opportunities.history)
        api.patch("opportunities/:id", use: opportunities.update)
        api.delete("opportunities/:id", use: opportunities.archive)
        api.post("opportunities/:id/restore", use: opportunities.restore)
        // ListViewRoutes
        api.get("list-views", use: listViews.list)
        api.post("list-views", use: listViews.create)
        api.delete("list-views/:id", use: listViews.delete)
        api.get("list-views/:id/export", use: listViews.export)
        // CatalogRoutes
        api.get("typical-projects", use: catalog.list)
        api.get("typical-projects/:id", use: catalog.show)
        api.post("typical-projects", use: catalog.create)
        api.patch("typical-projects/:id", use: catalog.change)
        // ProposalRoutes
        api.get("opportunities/:id/proposals", use: proposals.list)
        api.post("opportunities/:id/proposals", use: proposals.create)
        api.get("proposals/:id", use: proposals.show)
        api.patch("proposals/:id", use: proposals.update)
        api.post("proposals/:id/:action", use: proposals.act)
        api.get("proposals/:id/capacity-check", use: proposals.capacity)
        api.get("projects", use: proposals.projects)
        api.get("projects/:id", use: proposals.project)
        // AgreementRoutes
        api.get("agreements", use: agreements.list)
        api.get("agreements/:id", use: agreements.show)
        api.post("agreements/:id/cancel", use: agreements.cancel)
        api.post("agreements/:id/downgrade", use: agreements.downgrade)
        api.post("agreements/import", use: agreements.importFile)
        // DeliveryRoutes
        api.get("projects/:id/staffing-suggestions", use: delivery.staffingSuggestions)
        api.patch("projects/:id", use: delivery.change)
        api.post("projects/:id/hold", use: delivery.hold)
        api.post("projects/:id/resume", use: delivery.resume)
        api.get("projects/:id/assignments", use: delivery.assignments)
        api.post("projects/:id/assignments", use: delivery.assign)
        api.get("projects/:id/assignments/:assignmentId", use: delivery.assignment)
        api.patch("projects/:id/assignments/:assignmentId", use: delivery.reassign)
        api.delete("projects/:id/assignments/:assignmentId", use: delivery.unassign)
        api.post("projects/:id/phases/:phaseId/:action", use: delivery.phaseAction)
        api.patch("projects/:id/phases/:phaseId", use: delivery.movePhase)
        api.put("projects/:id/checklist/:itemId", use: delivery.check)
        api.post("projects/:id/status-link", use: delivery.createStatusLink)
        api.delete("projects/:id/status-link", use: delivery.revokeStatusLinks)
        api.get("users/:id/assignments", use: delivery.personsAssignments)
        // SiteRoutes
        api.get("sites", use: sites.list)
        api.post("sites", use: sites.create)
        api.get("sites/:id", use: sites.show)
        api.patch("sites/:id", use: sites.update)
        api.delete("sites/:id", use: sites.archive)
        api.get("travel-times", use: sites.travelTimes)
        api.put("travel-times", use: sites.setTravelTime)
        api.put("projects/:id/site", use: sites.placeProject)
        api.put("projects/:id/assignments/:assignmentId/site", use: sites.placeAssignment)
        api.post("projects/:id/assignments/:assignmentId/move-days", use: sites.moveDays)
        api.post("projects/:id/assignments/:assignmentId/move-days/undo", use: sites.undoMoveDays)
        api.put("users/:id/home-base", use: sites.placeHomeBase)
        api.get("users/:id/day-plans", use: sites.dayPlans)
        // ImportRoutes (a file read whole, each row through SiteActions)
        api.post("sites/import", use: imports.importSites)
        api.post("travel-times/import", use: imports.importTravelTimes)
        // FirmSettingsRoutes
        api.get("settings", use: settings.show)
        api.patch("settings", use: settings.update)
        // QuotaRoutes
        api.get("periods", use: quotas.periods)
        api.post("periods", use: quotas.addPeriod)
        api.get("quotas", use: quotas.list)
        api.post("quotas", use: quotas.create)
        api.get("quotas/:id", use: quotas.show)
        api.patch("quotas/:id", use: quotas.change)
        api.delete("quotas/:id", use: quotas.delete)
        // BonusRoutes
        api.get("bonus-plans", use: bonus.plans)
        api.get("bonus-plans/:id", use: bonus.plan)
        api.post("bonus-plans", use: bonus.createPlan)
        api.patch("bonus-plans/:id", use: bonus.changePlan)
        api.get("bonus-plans/:id/members", use: bonus.members)
        api.post("bonus-plans/:id/members", use: bonus.addMember)
        api.delete("bonus-plans/:id/members/:memberId", use: bonus.removeMember)
        api.get("bonus-runs", use: bonus.runs)
        api.post("bonus-runs", use: bonus.computeRun)
        api.get("bonus-runs/:id", use: bonus.run)
        api.post("bonus-runs/:id/recompute", use: bonus.recompute)
        api.post("bonus-runs/:id/approve", use: bonus.approve)
        api.get("bonus-runs/:id/statements/:userId", use: bonus.statement)
        api.post("bonus-runs/:id/statements/:userId/approve", use: bonus.approveStatement)
        api.get("bonus-runs/:id/statements.csv", use: bonus.statementsCSV)
        api.post("bonus-runs/:id/adjustments", use: bonus.addAdjustment)
        api.post("bonus-runs/what-if", use: bonus.whatIf)
        // ReportRoutes
        api.get("reports/attainment", use: reports.attainment)
        api.get("reports/forecast", use: reports.forecast)
        api.get("reports/pipeline", use: reports.pipeline)
        api.get("reports/sales-performance", use: reports.salesPerformance)
        api.get("reports/delivery", use: reports.delivery)
        api.get("reports/growth", use: reports.growth)
        api.get("reports/recurring-revenue", use: recurringRevenue.recurringRevenue)
        api.get("reports/retention", use: recurringRevenue.retention)
        api.get("reports/renewals-due", use: recurringRevenue.renewalsDue)
        api.get("accounts/:id/white-space", use: reports.whiteSpace)
        // SearchRoutes
        api.get("search", use: search.search)
        api.get("time-entries", use: time.list)
        api.get("time-entries/export", use: time.exportEntries)
        api.post("time-entries/import", use: time.importEntries)
        api.post("time-entries", use: time.create)
        api.get("time-entries/:id", use: time.show)
        api.patch("time-entries/:id", use: time.change)
        api.delete("time-entries/:id", use: time.remove)
        api.get("timesheet", use: time.timesheet)
        api.post("timesheet/submit", use: time.submit)
        api.post("timesheet/approve", use: time.approve)
        api.post("timesheet/return", use: time.sendBack)
        api.post("timesheet/copy-last-week", use: time.copyLastWeek)
        api.get("cost-rates", use: time.costRates)
        api.post("cost-rates", use: time.setCostRate)
        api.get("bill-rates", use: time.billRates)
        api.post("bill-rates", use: time.addBillRate)
        api.get("projects/:id/budget", use: time.budget)
        api.put("projects/:id/phases/:phaseId/estimate", use: time.setEstimate)
        api.get("reports/profitability", use: time.profitability)
        api.get("notifications", use: notifications.list)
        api.get("notifications/unread-count", use: notifications.unreadCount)
        api.post("notifications/read-all", use: notifications.readAll)
        api.get("notifications/preferences", use: notifications.preferences)
        api.put("notifications/preferences", use: notifications.choose)
        api.get("notifications/deliveries", use: notifications.deliveries)
        api.post("notifications/:id/read", use: notifications.read)
    }
}

import Hummingbird

/// One page address: the same segments register its route (`pattern`) and build its
/// links (`site.account(12)` is `/accounts/12`), so a link can never point at a
/// route that was renamed.
struct SitePath: Sendable {
    let segments: [Substring]

    init(_ pattern: String) {
        segments = pattern.split(separator: "/")
    }

    /// What the router matches: `accounts/:id/contacts`.
    var pattern: RouterPath { RouterPath(segments.joined(separator: "/")) }

    /// The address with each `:parameter` replaced, in order, by `values`.
    func callAsFunction(_ values: any CustomStringConvertible...) -> String {
        var remaining = values[...]
        return "/" + segments.map { segment -> String in
            guard segment.hasPrefix(":"), let value = remaining.popFirst() else { return String(segment) }
            return value.description.addingPercentEncodingForPath
        }.joined(separator: "/")
    }
}

/// Every page of the site, once. Routes register with `Site.x.pattern`; redirects and
/// links call `Site.x(id)`.
enum Site {
    static let home = SitePath("/")
    static let signIn = SitePath("sign-in")
    static let signOut = SitePath("sign-out")
    static let myWeek = SitePath("my-week")
    static let timeOff = SitePath("time-off")
    static let imports = SitePath("imports")
    static let timeOffApprovals = SitePath("time-off/approvals")
    static let timesheet = SitePath("timesheet")
    static let timesheetDecision = SitePath("timesheet/decide")
    static let notifications = SitePath("notifications")
    static let notificationsReadAll = SitePath("notifications/read-all")
    static let notificationsPreferences = SitePath("notifications/preferences")
    static let notificationOpen = SitePath("notifications/:id/open")
    static let taskDone = SitePath("tasks/:id/done")
    static let search = SitePath("search")
    static let tasks = SitePath("tasks")
    static let taskNew = SitePath("tasks/new")
    static let clientProposal = SitePath("proposal-link/:token")
    static let timeOffAction = SitePath("time-off/:id/:action")
    static let adminHolidays = SitePath("admin/holidays")
    static let adminHolidayCalendar = SitePath("admin/holidays/:id")
    static let adminHolidayCalendarAction = SitePath("admin/holidays/:id/:action")
    static let adminPersonCalendar = SitePath("admin/people/:id/calendar")

    static let accounts = SitePath("accounts")
    static let account = SitePath("accounts/:id")
    static let accountContacts = SitePath("accounts/:id/contacts")
    static let accountOpportunities = SitePath("accounts/:id/opportunities")
    static let accountActivities = SitePath("accounts/:id/activities")

    static let pipeline = SitePath("pipeline")
    static let pipelineStage = SitePath("pipeline/:id/stage")
    static let opportunities = SitePath("opportunities")
    static let contacts = SitePath("contacts")
    static let contact = SitePath("contacts/:id")
    static let contactActivities = SitePath("contacts/:id/activities")
    static let contactArchive = SitePath("contacts/:id/archive")
    static let listViews = SitePath("lists/views")
    static let listViewDelete = SitePath("lists/views/:id/delete")
    static let opportunity = SitePath("opportunities/:id")
    static let opportunityProposals = SitePath("opportunities/:id/proposals")
    static let opportunityStage = SitePath("opportunities/:id/stage")
    static let opportunityTeam = SitePath("opportunities/:id/team")

    static let proposal = SitePath("proposals/:id")
    static let proposalPrint = SitePath("proposals/:id/print")
    static let proposalAct = SitePath("proposals/:id/act")
    static let proposalLines = SitePath("proposals/:id/lines")
    static let proposalLinesAdd = SitePath("proposals/:id/lines/add")
    static let proposalLinesRemove = SitePath("proposals/:id/lines/remove")

    static let projects = SitePath("projects")
    static let project = SitePath("projects/:id")
    static let projectAction = SitePath("projects/:id/:action")
    static let projectPhaseAction = SitePath("projects/:id/phases/:phaseId/:action")
    static let projectChecklistItem = SitePath("projects/:id/checklist/:itemId")
    static let projectStaffing = SitePath("projects/:id/staffing")
    static let projectBudget = SitePath("projects/:id/budget")
    /// The project page's hold, resume and phase move (`projectEditForm`).
    static let projectEdit = SitePath("projects/:id/edit/:action")
    static let resources = SitePath("resources")
    static let rotation = SitePath("rotation")
    static let rotationMove = SitePath("rotation/move")

    static let bonus = SitePath("bonus")
    static let bonusStatement = SitePath("bonus/:run/:user")
    static let bonusApprove = SitePath("bonus/:run/approve")
    static let bonusWhatIf = SitePath("bonus/:run/:user/what-if")
    static let bonusRun = SitePath("bonus-runs/:run")
    static let bonusRunRecompute = SitePath("bonus-runs/:run/recompute")
    static let bonusRunAdjustments = SitePath("bonus-runs/:run/adjustments")
    static let bonusRunCSV = SitePath("bonus-runs/:run/statements.csv")
    static let bonusStatementApprove = SitePath("bonus-runs/:run/statements/:user/approve")

    static let reports = SitePath("reports")
    static let reportPipeline = SitePath("reports/pipeline")
    static let reportSalesPerformance = SitePath("reports/sales-performance")
    static let reportDelivery = SitePath("reports/delivery")
    static let reportGrowth = SitePath("reports/growth")
    static let reportProfitability = SitePath("reports/profitability")
    static let reportRecurringRevenue = SitePath("reports/recurring-revenue")
    static let agreements = SitePath("agreements")
    static let agreement = SitePath("agreements/:id")
    static let agreementDowngrade = SitePath("agreements/:id/downgrade")

    static let admin = SitePath("admin")
    static let adminPeople = SitePath("admin/people")
    static let adminPerson = SitePath("admin/people/:id")
    static let adminPersonSkills = SitePath("admin/people/:id/skills")
    static let adminSkills = SitePath("admin/skills")
    static let adminStages = SitePath("admin/stages")
    static let adminStage = SitePath("admin/stages/:key")
    static let adminStageDelete = SitePath("admin/stages/:key/delete")
    static let adminLostReasons = SitePath("admin/lost-reasons")
    static let adminSettings = SitePath("admin/settings")
    static let adminLostReasonRetire = SitePath("admin/lost-reasons/:id/retire")
    static let adminTypicalProjects = SitePath("admin/typical-projects")
    static let adminTypicalProject = SitePath("admin/typical-projects/:id")
    static let adminQuotas = SitePath("admin/quotas")
    static let adminBonusPlans = SitePath("admin/bonus-plans")
    static let adminBonusPlan = SitePath("admin/bonus-plans/:id")
    static let adminBonusPlanCopy = SitePath("admin/bonus-plans/:id/copy")
    static let adminBonusPlanMembers = SitePath("admin/bonus-plans/:id/members")
    static let adminBonusPlanMemberRemove = SitePath("admin/bonus-plans/:id/members/:member/remove")
    static let adminBonusPlanOverrides = SitePath("admin/bonus-plans/:id/overrides")
}

extension String {
    /// A value as one path segment: anything but unreserved characters escaped.
    var addingPercentEncodingForPath: String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

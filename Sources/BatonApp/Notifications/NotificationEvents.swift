import BatonCore
import Dates
import Foundation
import Postgres

/// The events other areas' actions record, one call at the point of change, in the
/// same transaction: each builds its `NotificationEvent` (who hears of it, the
/// words, the link) and hands it to `Outbox.record`. Nobody is told of what they
/// did themselves.
enum NotificationEvents {
    // MARK: Proposals

    /// One move of a proposal's workflow: submitted (to the reviewer), returned with
    /// the comment, approved (to the author), sent, accepted, declined (to the
    /// author, the opportunity's owner and the reviewer).
    static func proposalMoved(_ db: Connection, _ p: ProposalRecord, action: ProposalAction, comment: String?, by actorID: Int64) async throws {
        let names = try await db.query("""
            SELECT o.name AS opportunity, a.name AS account, o.owner_id
            FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE o.id = \(p.opportunityId)
            """).first
        let opportunity: String = try names?.decode("opportunity") ?? "an opportunity"
        let account: String = try names?.decode("account") ?? ""
        let owner: Int64? = try names?.decode("owner_id")
        let what = "Proposal \(p.number) for \(opportunity)" + (account.isEmpty ? "" : " (\(account))")
        let salesSide = [p.authorId] + (owner.map { [$0] } ?? [])
        let kind: NotificationKind
        var recipients: [Int64]
        var lines: [String] = []
        switch action {
        case .submit:
            kind = .proposalSubmitted
            recipients = p.reviewerId.map { [$0] } ?? []
            lines.append("It waits for your review.")
        case .return:
            kind = .proposalReturned
            recipients = salesSide
            if let comment = comment?.trimmed.nilIfEmpty { lines.append("Comment: \(comment)") }
        case .approve:
            kind = .proposalApproved
            recipients = salesSide
            lines.append("It may be sent to the client.")
        case .send:
            kind = .proposalSent
            recipients = salesSide + (p.reviewerId.map { [$0] } ?? [])
        case .accept:
            kind = .proposalAccepted
            recipients = salesSide + (p.reviewerId.map { [$0] } ?? [])
            if let on = p.acceptedOn { lines.append("Accepted on \(on).") }
        case .decline:
            kind = .proposalDeclined
            recipients = salesSide + (p.reviewerId.map { [$0] } ?? [])
            if let comment = comment?.trimmed.nilIfEmpty { lines.append("Reason: \(comment)") }
        }
        let verb = ["submit": "was submitted for review", "approve": "was approved", "return": "was returned",
                    "send": "was sent to the client", "accept": "was accepted", "decline": "was declined"][action.rawValue] ?? action.rawValue
        try await Outbox.record(db, NotificationEvent(
            kind: kind, key: "\(kind.rawValue):\(p.id):\(p.version)", recipients: recipients.filter { $0 != actorID },
            subject: "\(what) \(verb)", lines: lines, link: Site.proposal(p.id), entity: "proposal", entityID: p.id))
    }

    // MARK: Projects

    /// A project made from a won order: to its project manager and the order's owner.
    static func projectCreated(_ db: Connection, projectID: Int64, by actorID: Int64) async throws {
        guard let row = try await db.query("""
            SELECT p.name, p.project_manager_id, p.start_date, o.owner_id, a.name AS account
            FROM projects p JOIN opportunities o ON o.id = p.opportunity_id JOIN accounts a ON a.id = p.account_id
            WHERE p.id = \(projectID)
            """).first
        else { return }
        let name: String = try row.decode("name")
        let account: String = try row.decode("account")
        let manager: Int64? = try row.decode("project_manager_id")
        let owner: Int64 = try row.decode("owner_id")
        let start: CalendarDate = try row.decode("start_date")
        var lines = ["Starts \(start)."]
        if manager != nil { lines.append("Project manager: see the project page.") }
        try await Outbox.record(db, NotificationEvent(
            kind: .projectCreated, key: "project-created:\(projectID)",
            recipients: ([owner] + (manager.map { [$0] } ?? [])).filter { $0 != actorID },
            subject: "Project \(name) for \(account) was created from the won order", lines: lines,
            link: Site.project(projectID), entity: "project", entityID: projectID))
    }

    // MARK: Assignments

    /// An assignment made, changed or removed, with its calendar invitation: the same
    /// UID for the assignment's whole life and a higher SEQUENCE at every change. When
    /// the person changes, the old one gets the cancel and the new one the request.
    /// A change says what changed (issue 24), old and new; `placeBefore` is where the
    /// assignment was when the change moved it to another site.
    static func assignment(_ db: Connection, before: AssignmentRecord?, after: AssignmentRecord?, by actorID: Int64,
                           placeBefore: String? = nil) async throws {
        guard let any = after ?? before else { return }
        if let before, let after, before.userId != after.userId {
            try await assignment(db, before: before, after: nil, by: actorID)
            try await assignment(db, before: nil, after: after, by: actorID)
            return
        }
        guard let row = try await db.query("""
            SELECT p.name AS project, a.name AS account, coalesce(m.email, u.email) AS organizer, u.email, u.name AS person
            FROM projects p JOIN accounts a ON a.id = p.account_id LEFT JOIN users m ON m.id = p.project_manager_id
            JOIN users u ON u.id = \(any.userId)
            WHERE p.id = \(any.projectId)
            """).first
        else { return }
        let project: String = try row.decode("project")
        let account: String = try row.decode("account")
        let sequence = try await Outbox.nextInvitationSequence(db, assignmentID: any.id)
        let kind: NotificationKind = after == nil ? .assignmentRemoved : (before == nil ? .assignmentMade : .assignmentChanged)
        let a = after ?? any
        // The site's name and address (issue 24) where the assignment has one, else the free text.
        let place = try await SiteStore().feedSites(db, userID: a.userId)[a.id]?.location ?? a.location
        let invitation = CalendarInvitation(
            method: after == nil ? .cancel : .request, uid: CalendarInvitation.uid(assignmentID: a.id), sequence: sequence,
            summary: "\(a.role): \(project) (\(account))", location: place,
            description: "\(a.role) on \(project) for \(account), \(a.hoursPerDay.description) h a day", start: a.start, end: a.end,
            organizerEmail: try row.decode("organizer"), attendeeEmail: try row.decode("email"), attendeeName: try row.decode("person"))
        let verb = kind == .assignmentMade ? "You were assigned to" : (kind == .assignmentChanged ? "Your assignment changed on" : "You were taken off")
        var lines = ["\(a.role), \(Formatting.span(a.start, a.end)), \(a.hoursPerDay.description) h a day."]
        if let place { lines.append("Where: \(place)") }
        if let before, after != nil {
            let old = PlanTerms(role: before.role, start: before.start, end: before.end, hoursPerDay: before.hoursPerDay.value,
                                place: placeBefore ?? (place == a.location ? before.location : place))
            let new = PlanTerms(role: a.role, start: a.start, end: a.end, hoursPerDay: a.hoursPerDay.value, place: place)
            let changed = PlanChange.lines(from: old, to: new)
            if !changed.isEmpty {
                lines += ["What changed:"] + changed
                if PlanChange.isSoon(from: old, to: new, today: Timestamp.now.calendarDate) {
                    lines.append("This changes your plan within the next \(PlanChange.soonDays) days.")
                }
            }
        }
        try await Outbox.record(db, NotificationEvent(
            kind: kind, key: "\(kind.rawValue):\(a.id):\(sequence)", recipients: [a.userId].filter { $0 != actorID },
            subject: "\(verb) \(project) (\(account))", lines: lines, link: Site.project(a.projectId), entity: "assignment",
            entityID: a.id, invitation: invitation))
    }

    // MARK: Phases, the checklist and tasks

    /// A phase completed: to the project manager, the order's owner and the people
    /// still assigned to the project.
    static func phaseCompleted(_ db: Connection, phaseID: Int64, on day: CalendarDate, by actorID: Int64) async throws {
        let rows = try await NotificationStore().phaseAudience(db, filter: "ph.id = \(phaseID)", today: day)
        guard let phase = rows.first else { return }
        try await Outbox.record(db, NotificationEvent(
            kind: .phaseCompleted, key: "phase-completed:\(phaseID):\(day)",
            recipients: rows.map(\.recipientID).filter { $0 != actorID },
            subject: "Phase \(phase.name) of \(phase.parent) (\(phase.account)) was completed", lines: ["Completed on \(day)."],
            link: Site.project(phase.parentID), entity: "project_phase", entityID: phaseID))
        try await StatusSubscriptions.phaseCompleted(db, projectID: phase.parentID, phaseID: phaseID, phase: phase.name, on: day)
    }

    /// A task given to someone (made for them, or handed to them): to that person.
    /// The version in the key tells them again if it comes back to them later.
    static func taskAssigned(_ db: Connection, _ task: ActivityRecord, by actorID: Int64) async throws {
        guard task.kind == .task, task.doneAt == nil else { return }
        var lines: [String] = []
        if let due = task.dueAt { lines.append("Due \(String(due.description.prefix(16)).replacingOccurrences(of: "T", with: " ")) UTC.") }
        try await Outbox.record(db, NotificationEvent(
            kind: .taskAssigned, key: "task-assigned:\(task.id):\(task.version)", recipients: [task.ownerId].filter { $0 != actorID },
            subject: "Task for you: \(task.subject)", lines: lines,
            link: task.opportunityId.map { Site.opportunity($0) } ?? Site.account(task.accountId), entity: "activity", entityID: task.id))
    }

    /// What the schedule found (`NotificationSchedule`): phases due within `days` or
    /// late, checklists waiting on the last phase, tasks overdue. Each event's key
    /// carries the date it is about, so a phase moved to a new date is told again and
    /// the same date never twice, however many servers sweep.
    static func dated(_ db: Connection, today: CalendarDate, days: Int) async throws -> Int {
        let store = NotificationStore()
        let dueBy = today.adding(days: days), lateSince = today.adding(days: -14)
        var events: [NotificationEvent] = []
        for (_, rows) in Dictionary(grouping: try await store.openPhases(db, dueBy: dueBy, lateSince: lateSince, today: today), by: \.id) {
            guard let p = rows.first else { continue }
            let late = p.due < today
            let kind: NotificationKind = late ? .phaseLate : .phaseDue
            events.append(NotificationEvent(
                kind: kind, key: "\(kind.rawValue):\(p.id):\(p.due)", recipients: rows.map(\.recipientID),
                subject: "Phase \(p.name) of \(p.parent) (\(p.account)) " + (late ? "is late: it was due \(Formatting.date(p.due))" : "is due \(Formatting.date(p.due))"),
                lines: late ? ["Complete it, or move its dates, on the project page."] : [],
                link: Site.project(p.parentID), entity: "project_phase", entityID: p.id))
        }
        for c in try await store.waitingChecklists(db, dueBy: dueBy, lateSince: lateSince) {
            events.append(NotificationEvent(
                kind: .checklistWaiting, key: "checklist-waiting:\(c.id):\(c.due)", recipients: [c.recipientID],
                subject: "The completion checklist of \(c.name) (\(c.account)) waits for you",
                lines: ["\(c.count) required item\(c.count == 1 ? "" : "s") unchecked; the last phase is due \(Formatting.date(c.due))."],
                link: Site.project(c.id), entity: "project", entityID: c.id))
        }
        for t in try await store.overdueTasks(db, since: lateSince) {
            events.append(NotificationEvent(
                kind: .taskOverdue, key: "task-overdue:\(t.id):\(t.due)", recipients: [t.recipientID],
                subject: "Overdue task: \(t.name) (\(t.account))", lines: ["It was due \(t.due)."],
                link: t.opportunityID.map { Site.opportunity($0) } ?? Site.account(t.parentID), entity: "activity", entityID: t.id))
        }
        for event in events { try await Outbox.record(db, event) }
        // The clients who subscribed hear of phases that started (the last two days, should a sweep be missed).
        try await StatusSubscriptions.phasesStarted(db, since: today.adding(days: -2), today: today)
        return events.count
    }

    // MARK: Time off and bonus

    /// Time off approved or declined: to the person who asked.
    static func timeOffDecided(_ db: Connection, _ t: TimeOffRecord, by actorID: Int64) async throws {
        try await Outbox.record(db, NotificationEvent(
            kind: .timeOffDecided, key: "time-off-decided:\(t.id):\(t.version)", recipients: [t.userId].filter { $0 != actorID },
            subject: "Your time off from \(Formatting.span(t.start, t.end)) was \(t.status.rawValue)", link: Site.timeOff(),
            entity: "time_off", entityID: t.id))
    }

    /// A bonus run's statements ready (computed) or approved and locked: to each person with a statement.
    static func bonusRun(_ db: Connection, runID: Int64, locked: Bool, by actorID: Int64) async throws {
        let rows = try await db.query("SELECT user_id FROM bonus_statements WHERE run_id = \(runID)")
        let people: [Int64] = try rows.map { try $0.decode("user_id") }
        let kind: NotificationKind = locked ? .bonusStatementLocked : .bonusStatementReady
        for person in people where person != actorID {
            try await Outbox.record(db, NotificationEvent(
                kind: kind, key: "\(kind.rawValue):\(runID):\(person)", recipients: [person],
                subject: locked ? "Your bonus statement was approved and locked" : "Your bonus statement is ready",
                link: Site.bonusStatement(runID, person), entity: "bonus_run", entityID: runID))
        }
    }
}

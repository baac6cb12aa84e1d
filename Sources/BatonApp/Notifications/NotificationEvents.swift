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
    static func assignment(_ db: Connection, before: AssignmentRecord?, after: AssignmentRecord?, by actorID: Int64) async throws {
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
        let invitation = CalendarInvitation(
            method: after == nil ? .cancel : .request, uid: CalendarInvitation.uid(assignmentID: a.id), sequence: sequence,
            summary: "\(a.role): \(project) (\(account))", location: a.location,
            description: "\(a.role) on \(project) for \(account), \(a.hoursPerDay.description) h a day", start: a.start, end: a.end,
            organizerEmail: try row.decode("organizer"), attendeeEmail: try row.decode("email"), attendeeName: try row.decode("person"))
        let verb = kind == .assignmentMade ? "You were assigned to" : (kind == .assignmentChanged ? "Your assignment changed on" : "You were taken off")
        var lines = ["\(a.role), \(a.start) to \(a.end), \(a.hoursPerDay.description) h a day."]
        if let location = a.location { lines.append("Where: \(location)") }
        try await Outbox.record(db, NotificationEvent(
            kind: kind, key: "\(kind.rawValue):\(a.id):\(sequence)", recipients: [a.userId].filter { $0 != actorID },
            subject: "\(verb) \(project) (\(account))", lines: lines, link: Site.project(a.projectId), entity: "assignment",
            entityID: a.id, invitation: invitation))
    }

    // MARK: Time off and bonus

    /// Time off approved or declined: to the person who asked.
    static func timeOffDecided(_ db: Connection, _ t: TimeOffRecord, by actorID: Int64) async throws {
        try await Outbox.record(db, NotificationEvent(
            kind: .timeOffDecided, key: "time-off-decided:\(t.id):\(t.version)", recipients: [t.userId].filter { $0 != actorID },
            subject: "Your time off from \(t.start) to \(t.end) was \(t.status.rawValue)", link: Site.timeOff(),
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

import Dates
import Foundation

/// Every business event someone should hear of (issue 20). The raw value is what the
/// outbox, the API and the preferences store.
public enum NotificationKind: String, CaseIterable, Codable, Sendable {
    case proposalSubmitted = "proposal-submitted"
    case proposalReturned = "proposal-returned"
    case proposalApproved = "proposal-approved"
    case proposalSent = "proposal-sent"
    case proposalAccepted = "proposal-accepted"
    case proposalDeclined = "proposal-declined"
    case projectCreated = "project-created"
    case assignmentMade = "assignment-made"
    case assignmentChanged = "assignment-changed"
    case assignmentRemoved = "assignment-removed"
    case phaseDue = "phase-due"
    case phaseLate = "phase-late"
    case phaseCompleted = "phase-completed"
    case checklistWaiting = "checklist-waiting"
    case timeOffDecided = "time-off-decided"
    case bonusStatementReady = "bonus-statement-ready"
    case bonusStatementLocked = "bonus-statement-locked"
    case taskAssigned = "task-assigned"
    case taskOverdue = "task-overdue"

    /// How a preferences page names the kind.
    public var title: String {
        switch self {
        case .proposalSubmitted: "A proposal waits for your review"
        case .proposalReturned: "Your proposal was returned"
        case .proposalApproved: "Your proposal was approved"
        case .proposalSent: "A proposal was sent to the client"
        case .proposalAccepted: "A proposal was accepted"
        case .proposalDeclined: "A proposal was declined"
        case .projectCreated: "A project was created from a won order"
        case .assignmentMade: "You were assigned"
        case .assignmentChanged: "Your assignment changed"
        case .assignmentRemoved: "Your assignment was removed"
        case .phaseDue: "A phase is due soon"
        case .phaseLate: "A phase is late"
        case .phaseCompleted: "A phase was completed"
        case .checklistWaiting: "A checklist waits for you"
        case .timeOffDecided: "Your time off was decided"
        case .bonusStatementReady: "A bonus statement is ready"
        case .bonusStatementLocked: "A bonus statement was approved and locked"
        case .taskAssigned: "A task was assigned to you"
        case .taskOverdue: "A task is overdue"
        }
    }

    /// Where a person hears of it until they choose otherwise: what asks them to act,
    /// or where they must show up, comes by email too; the rest waits in the app.
    public var defaultChannel: NotificationChannel {
        switch self {
        case .proposalSubmitted, .proposalReturned, .assignmentMade, .assignmentChanged, .assignmentRemoved,
             .timeOffDecided, .checklistWaiting, .taskAssigned:
            .email
        case .proposalApproved, .proposalSent, .proposalAccepted, .proposalDeclined, .projectCreated, .phaseDue,
             .phaseLate, .phaseCompleted, .bonusStatementReady, .bonusStatementLocked, .taskOverdue:
            .app
        }
    }
}

/// Where a person hears of one kind of event: in the app only, in the app and by
/// email at once, in the app and in one email a day, or not at all.
public enum NotificationChannel: String, CaseIterable, Codable, Sendable {
    case app
    case email
    case digest
    case off

    public var title: String {
        switch self {
        case .app: "In the app"
        case .email: "In the app and by email"
        case .digest: "In the app and in a daily digest"
        case .off: "Off"
        }
    }

    /// Whether the bell shows it.
    public var inApp: Bool { self != .off }
}

import Dates

/// What the completion rules need to know about one phase of a project.
public struct PhaseState: Sendable, Equatable {
    public var id: Int64
    /// Order in the project, 1 first; the phase with the highest position is the last.
    public var position: Int
    public var name: String
    /// Its first day, and the day it is due (its start plus its length): completing on
    /// the due day is on time.
    public var start, due: CalendarDate
    /// The date of record of its completion; nil while it is open.
    public var completedOn: CalendarDate?

    public init(id: Int64, position: Int, name: String, start: CalendarDate, due: CalendarDate,
                completedOn: CalendarDate? = nil) {
        self.id = id
        self.position = position
        self.name = name
        self.start = start
        self.due = due
        self.completedOn = completedOn
    }
}

/// One item of a project's completion checklist.
public struct ChecklistState: Sendable, Equatable {
    public var id: Int64
    public var text: String
    public var required, checked: Bool

    public init(id: Int64, text: String, required: Bool, checked: Bool) {
        (self.id, self.text, self.required, self.checked) = (id, text, required, checked)
    }
}

/// A phase's new dates after a move.
public struct PhaseDates: Sendable, Equatable {
    public var id: Int64
    public var start, due: CalendarDate
}

/// Why completing or reopening a phase was refused.
public enum CompletionRefusal: Error, Sendable, Equatable {
    /// The completion date is after today (422 on `completedOn`).
    case future(today: CalendarDate)
    /// Required checklist items are still unchecked, named in checklist order (409).
    case uncheckedItems([String])
    /// The phase is already completed (409).
    case alreadyCompleted
    /// Reopening a phase that is not completed (409).
    case notCompleted

    /// What went wrong and what to do about it, for a person to read.
    public var message: String {
        switch self {
        case let .future(today):
            "A completion date cannot be in the future (today is \(today)); give today or an earlier date."
        case let .uncheckedItems(texts):
            "Check these required items first: " + texts.joined(separator: "; ")
        case .alreadyCompleted:
            "This phase is already completed; reopen it first to change its completion date."
        case .notCompleted:
            "This phase is not completed, so there is nothing to reopen."
        }
    }
}

/// The rules of delivering to standard (flow 5): completing and reopening phases, the
/// checklist gate on the last phase, on-time, and moving phase dates. Pure: the caller
/// loads the project, asks here, and stores the answer.
public enum ProjectProgress {
    /// Completes `phase` with the date of record `date`.
    ///
    /// Refusals are judged in a fixed order, so the same request always gets the same
    /// answer: a phase already completed (nothing to do), then a date in the future
    /// (completions are dated when they happened, never ahead), then the checklist.
    ///
    /// The checklist gates the last phase (the highest position) and also any phase
    /// whose completion would complete the project: phases may finish out of order,
    /// and the project must never complete with a required item unchecked.
    ///
    /// - Parameters:
    ///   - phases: every phase of the project; `phase` may be among them.
    /// - Returns: the completion date to store, and whether the project completes now
    ///   (every phase, this one included, is completed).
    public static func complete(phase: PhaseState, in phases: [PhaseState], checklist: [ChecklistState],
                                on date: CalendarDate, today: CalendarDate)
        throws(CompletionRefusal) -> (phaseCompletedOn: CalendarDate, projectCompletes: Bool)
    {
        guard phase.completedOn == nil else { throw .alreadyCompleted }
        guard date <= today else { throw .future(today: today) }
        let others = phases.filter { $0.id != phase.id }
        let isLast = others.allSatisfy { $0.position < phase.position }
        let projectCompletes = others.allSatisfy { $0.completedOn != nil }
        if isLast || projectCompletes {
            let unchecked = checklist.filter { $0.required && !$0.checked }.map(\.text)
            if !unchecked.isEmpty { throw .uncheckedItems(unchecked) }
        }
        return (date, projectCompletes)
    }

    /// Checks that `phase` can be reopened (its completion date is then cleared by the
    /// caller, and a completed project goes back to active).
    public static func reopen(phase: PhaseState) throws(CompletionRefusal) {
        guard phase.completedOn != nil else { throw .notCompleted }
    }

    /// Whether a phase was completed on time: on or before its due date. Nil while it
    /// is not completed, since it may still be.
    public static func onTime(due: CalendarDate, completedOn: CalendarDate?) -> Bool? {
        completedOn.map { $0 <= due }
    }

    /// The phase's state as the project page shows it: `"done"`; `"late"` when open
    /// after its due date; `"in progress"` when open from its start to its due date;
    /// otherwise `"upcoming"`.
    public static func phaseState(_ phase: PhaseState, today: CalendarDate) -> String {
        if phase.completedOn != nil { return "done" }
        if today > phase.due { return "late" }
        if today >= phase.start { return "in progress" }
        return "upcoming"
    }

    /// New dates for the phases that move when phase `id` is moved to start on `newStart`.
    ///
    /// The moved phase keeps its length. With `shiftFollowing`, every phase after it
    /// (by position) moves by the same number of days, so that the plan's gaps and
    /// overlaps stay as they were; earlier phases never move.
    ///
    /// Completed phases move like the others: whether a completed phase's due date may
    /// change (it decides on-time, and so bonus credit) is the caller's decision.
    ///
    /// - Returns: the phases that move, in position order; empty when `id` is not
    ///   among `phases` or the start does not change.
    public static func redate(phases: [PhaseState], moving id: Int64, newStart: CalendarDate,
                              shiftFollowing: Bool) -> [PhaseDates] {
        guard let moved = phases.first(where: { $0.id == id }) else { return [] }
        let shift = moved.start.days(until: newStart)
        guard shift != 0 else { return [] }
        return phases
            .filter { $0.id == id || (shiftFollowing && $0.position > moved.position) }
            .sorted { ($0.position, $0.id) < ($1.position, $1.id) }
            .map { PhaseDates(id: $0.id, start: $0.start.adding(days: shift), due: $0.due.adding(days: shift)) }
    }
}

import Dates

/// Who is acting on a proposal, as far as the workflow cares. The caller decides the
/// flags from the person's roles and the proposal, so that the rules here stay pure.
public struct ProposalActor: Sendable, Equatable {
    /// The selling side: sales, the proposal's author, account managers, and managers
    /// who may sell.
    public var isAuthorSide: Bool
    /// The proposal's reviewer (a project manager).
    public var isReviewer: Bool
    public var isAdmin: Bool

    public init(isAuthorSide: Bool = false, isReviewer: Bool = false, isAdmin: Bool = false) {
        self.isAuthorSide = isAuthorSide
        self.isReviewer = isReviewer
        self.isAdmin = isAdmin
    }
}

/// Why an action on a proposal was refused, each case mapping to one HTTP status.
public enum WorkflowRefusal: Error, Sendable, Equatable {
    /// The proposal is not in a status the action starts from: 409, naming the status.
    case illegal(current: ProposalStatus, action: ProposalAction)
    /// This person may not take the action: 403.
    case notAllowed(String)
    /// The request lacks something the action needs: 422 on `field`.
    case invalid(field: String, message: String)

    /// What went wrong and what to do about it, for a person to read.
    public var message: String {
        switch self {
        case let .illegal(current, action):
            var text = "This proposal is \(current.words); \(Self.startingPoint(of: action))"
            switch current {
            case .superseded: text += ". Open the newest version instead"
            case .expired where action == .send || action == .submit:
                text += ". Create a new version with a later valid-until"
            default: break
            }
            return text
        case let .notAllowed(message): return message
        case let .invalid(_, message): return message
        }
    }

    private static func startingPoint(of action: ProposalAction) -> String {
        switch action {
        case .submit: "only a draft can be submitted"
        case .approve: "only a proposal in review can be approved"
        case .return: "only a proposal in review can be sent back to its author"
        case .send: "only an approved proposal can be sent"
        case .accept: "only a sent proposal can be accepted"
        case .decline: "only a sent proposal can be declined"
        }
    }
}

/// The proposal's life: draft → in review → approved → sent → accepted or declined,
/// with the reviewer able to send it back to draft. Pure: the caller loads the
/// proposal, asks here for the next status, and stores it.
///
/// Refusals are judged in a fixed order: the status first (409), then the person (403),
/// then the request's own data (422), so that the same request always gets the same answer.
public enum ProposalWorkflow {
    /// The status a person sees. A sent proposal past its valid-until has expired;
    /// this is derived and not stored, so that changing valid-until or the calendar
    /// moving on needs no background job.
    public static func effectiveStatus(stored: ProposalStatus, validUntil: CalendarDate?, today: CalendarDate) -> ProposalStatus {
        if stored == .sent, let validUntil, today > validUntil { return .expired }
        return stored
    }

    /// The status the proposal moves to, or why it cannot.
    ///
    /// - Parameters:
    ///   - hasReviewer: whether a reviewer is set; submitting needs one.
    ///   - acceptedOn: the date of record of an acceptance (the caller defaults it to
    ///     today); it may be after valid-until's day has passed, as long as the client
    ///     accepted on or before it.
    ///   - comment: the reviewer's reason when sending a proposal back; required then.
    public static func apply(
        _ action: ProposalAction, to stored: ProposalStatus, actor: ProposalActor, hasReviewer: Bool,
        validUntil: CalendarDate?, today: CalendarDate, acceptedOn: CalendarDate?, comment: String? = nil
    ) throws(WorkflowRefusal) -> ProposalStatus {
        let current = effectiveStatus(stored: stored, validUntil: validUntil, today: today)
        guard let next = transition(action, from: stored) else {
            throw .illegal(current: current, action: action)
        }
        if let refusal = permissionRefusal(action, actor: actor) { throw refusal }

        switch action {
        case .submit:
            guard hasReviewer else {
                throw .invalid(field: "reviewerId", message: "Choose a reviewer (a project manager) before submitting")
            }
        case .return:
            guard let comment, !comment.trimmed.isEmpty else {
                throw .invalid(field: "comment", message: "Say in a comment what the author should change before sending the proposal back")
            }
        case .accept:
            let day = acceptedOn ?? today
            guard day <= today else {
                throw .invalid(field: "acceptedOn", message: "The acceptance date \(day) is in the future; enter the day the client accepted (today is \(today) or earlier)")
            }
            if let validUntil, day > validUntil {
                throw .invalid(field: "acceptedOn", message: "The client accepted on \(day), but this proposal was valid until \(validUntil); send a new version with a later valid-until")
            }
        case .approve, .send, .decline:
            break
        }
        return next
    }

    /// The actions this person could take now, for showing buttons. A listed action
    /// can still be refused for its data (no reviewer, no comment, a late acceptance date).
    public static func availableActions(stored: ProposalStatus, actor: ProposalActor) -> [ProposalAction] {
        ProposalAction.allCases.filter { transition($0, from: stored) != nil && permissionRefusal($0, actor: actor) == nil }
    }

    /// The status an action leads to from a stored status, or nil when it does not
    /// start there. Accepting and declining judge a sent proposal by the date of
    /// record, so a sent proposal past its valid-until (shown as expired) still
    /// qualifies here; `apply` checks the date.
    private static func transition(_ action: ProposalAction, from stored: ProposalStatus) -> ProposalStatus? {
        switch (action, stored) {
        case (.submit, .draft): .inReview
        case (.approve, .inReview): .approved
        case (.return, .inReview): .draft
        case (.send, .approved): .sent
        case (.accept, .sent), (.accept, .expired): .accepted
        case (.decline, .sent), (.decline, .expired): .declined
        default: nil
        }
    }

    private static func permissionRefusal(_ action: ProposalAction, actor: ProposalActor) -> WorkflowRefusal? {
        if actor.isAdmin { return nil }
        switch action {
        case .approve, .return:
            // Review is the project manager's check on scope, timeline and staffing;
            // the seller approving their own offer would skip it.
            if actor.isReviewer { return nil }
            let verb = action == .approve ? "approve it" : "send it back"
            return .notAllowed("Only the proposal's reviewer can \(verb); ask them, or an admin")
        case .submit, .send, .accept, .decline:
            if actor.isAuthorSide { return nil }
            let verb = switch action {
            case .submit: "submit a proposal for review"
            case .send: "send a proposal to the client"
            case .accept: "record the client's acceptance"
            default: "record that the client declined"
            }
            return .notAllowed("Only the selling side (the author, sales or the account manager) can \(verb); ask one of them, or an admin")
        }
    }
}

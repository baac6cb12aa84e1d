import Dates
import Foundation

/// What a client's proposal link may still do (issue 20, item 4), judged from the
/// link and the proposal version it was made for. Only an open link decides.
public enum ClientLinkState: Sendable, Equatable {
    case open
    case expired(on: CalendarDate)
    case revoked
    /// A newer version replaced this one.
    case superseded
    /// The version was already accepted or declined (through the link or by sales).
    case decided(accepted: Bool)
    /// The proposal is not (or no longer) waiting for the client.
    case notSent

    /// `status` is the proposal's stored status (`sent`, `accepted`, …).
    public static func judge(revoked: Bool, expiresOn: CalendarDate, today: CalendarDate, proposalStatus: String) -> ClientLinkState {
        if revoked { return .revoked }
        switch proposalStatus {
        case "accepted": return .decided(accepted: true)
        case "declined": return .decided(accepted: false)
        case "superseded": return .superseded
        case "sent": return today > expiresOn ? .expired(on: expiresOn) : .open
        case "expired": return .expired(on: expiresOn)
        default: return .notSent
        }
    }

    /// What the client reads when the link cannot decide.
    public var explanation: String {
        switch self {
        case .open: "This proposal waits for your decision."
        case .expired(let on): "This offer was valid until \(on); it can no longer be accepted here. Ask your contact for a new one."
        case .revoked: "This link was withdrawn by the sender; nothing can be accepted through it. Ask your contact for a new one."
        case .superseded: "A newer version of this proposal replaced this one; nothing can be accepted through this link."
        case .decided(let accepted): accepted ? "This proposal has been accepted. Thank you." : "This proposal was declined."
        case .notSent: "This proposal is not open for a decision."
        }
    }

    /// The most decisions a link takes in an hour: enough for typing mistakes, too few to guess.
    public static let attemptsPerHour = 10

    /// The problems with an acceptance as typed, by field.
    public static func acceptanceProblems(name: String, title: String, consent: Bool) -> [FieldError] {
        var problems: [FieldError] = []
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(FieldError("name", "Type your name")) }
        if name.count > 200 { problems.append(FieldError("name", "The name must be at most 200 characters")) }
        if title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(FieldError("title", "Type your title")) }
        if title.count > 200 { problems.append(FieldError("title", "The title must be at most 200 characters")) }
        if !consent { problems.append(FieldError("consent", "Tick the box to agree to the proposal and its terms")) }
        return problems
    }
}

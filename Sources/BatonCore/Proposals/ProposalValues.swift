import Foundation

/// Where a proposal version stands. `expired` is normally not stored: it is a `sent`
/// proposal seen after its valid-until (see `ProposalWorkflow.effectiveStatus`).
public enum ProposalStatus: String, Sendable, Codable, CaseIterable {
    case draft
    case inReview = "in_review"
    case approved, sent, accepted, declined, expired, superseded

    /// Still being worked on or waiting for the client: a new version replaces it
    /// (marks it superseded). Accepted, declined and expired versions stay as they are.
    public var isOpen: Bool {
        switch self {
        case .draft, .inReview, .approved, .sent: true
        case .accepted, .declined, .expired, .superseded: false
        }
    }

    /// No action can move it any more.
    public var isFinal: Bool {
        switch self {
        case .accepted, .declined, .superseded: true
        case .draft, .inReview, .approved, .sent, .expired: false
        }
    }

    /// The status as a sentence says it: "in review", not "in_review".
    public var words: String {
        switch self {
        case .inReview: "in review"
        default: rawValue
        }
    }
}

/// What a person can do to a proposal: `POST /proposals/{id}/{action}`.
public enum ProposalAction: String, Sendable, Codable, CaseIterable {
    case submit, approve
    /// The reviewer sends the proposal back to its author, with a comment.
    case `return` = "return"
    case send, accept, decline
}

/// How a line's quantity is counted.
public enum LineUnit: String, Sendable, Codable, CaseIterable {
    case fixed, hour, day
}

/// What a proposal line sells: work the firm does (`service`: a typical project from the
/// catalog, or a custom service written as free text), or money that passes through to
/// someone else (`pass_through`: travel, expenses, hardware resale). Both are on the
/// proposal's total; only services become the project's contract value and its phases'
/// values, so only they earn a project manager credit (and bonus).
public enum LineKind: String, Sendable, Codable, CaseIterable {
    case service
    case passThrough = "pass_through"

    /// The kind a line has when the writer names none: a catalog line is a service, a
    /// free-text line is pass-through (API.md's "Travel" line); a custom service says so.
    public static func implied(typicalProjectId: Int64?) -> LineKind {
        typicalProjectId == nil ? .passThrough : .service
    }

    public var words: String {
        switch self {
        case .service: "service"
        case .passThrough: "pass-through"
        }
    }
}

/// One line of a proposal as the author writes it: a catalog item (a typical project)
/// or free text (travel, licences), with its quantity, unit price and line discount.
///
/// Decimals travel in JSON as strings (`"180000.00"`); `discountPercent` may be left
/// out and is then 0. Scales are not judged while decoding, so that `ProposalMath.check`
/// can report every broken rule with its field instead of failing on the first.
public struct ProposalLineInput: Sendable, Equatable, Codable {
    public var typicalProjectId: Int64?
    public var description: String?
    public var quantity: Decimal
    public var unit: LineUnit
    public var unitPrice: Decimal
    public var discountPercent: Decimal
    /// Left out in JSON: `LineKind.implied` (service for catalog lines, pass-through for free text).
    public var kind: LineKind
    /// Set on a line billed every period (its unit price is per period); nil on a line sold once.
    public var recurrence: Recurrence?

    public init(typicalProjectId: Int64? = nil, description: String? = nil, quantity: Decimal,
                unit: LineUnit = .fixed, unitPrice: Decimal, discountPercent: Decimal = 0, kind: LineKind? = nil,
                recurrence: Recurrence? = nil) {
        self.kind = kind ?? LineKind.implied(typicalProjectId: typicalProjectId)
        self.recurrence = recurrence
        self.typicalProjectId = typicalProjectId
        self.description = description
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.discountPercent = discountPercent
    }

    enum CodingKeys: String, CodingKey {
        case typicalProjectId, description, quantity, unit, unitPrice, discountPercent, kind, recurrence
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        typicalProjectId = try c.decodeIfPresent(Int64.self, forKey: .typicalProjectId)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        quantity = try c.decode(DecimalString.self, forKey: .quantity).value
        unit = try c.decode(LineUnit.self, forKey: .unit)
        unitPrice = try c.decode(DecimalString.self, forKey: .unitPrice).value
        discountPercent = try c.decodeIfPresent(DecimalString.self, forKey: .discountPercent)?.value ?? 0
        kind = try c.decodeIfPresent(LineKind.self, forKey: .kind) ?? LineKind.implied(typicalProjectId: typicalProjectId)
        recurrence = try c.decodeIfPresent(Recurrence.self, forKey: .recurrence)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(typicalProjectId, forKey: .typicalProjectId)
        try c.encode(description, forKey: .description)
        try c.encode(DecimalString(quantity), forKey: .quantity)
        try c.encode(unit, forKey: .unit)
        try c.encode(Money(unitPrice), forKey: .unitPrice)
        try c.encode(DecimalString(discountPercent), forKey: .discountPercent)
        try c.encode(kind, forKey: .kind)
        try c.encode(recurrence, forKey: .recurrence)
    }
}

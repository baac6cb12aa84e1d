/// A field's value as the audit trail records it.
public enum AuditValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case text(String)
    case list([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let s = try? c.decode(String.self) { self = .text(s) }
        else { self = .list(try c.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .text(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        }
    }
}

/// One field's change: old → new.
public struct FieldChange: Sendable, Equatable, Codable {
    public var old, new: AuditValue

    public init(old: AuditValue, new: AuditValue) {
        self.old = old
        self.new = new
    }
}

/// A record as the audit trail sees it: field name → value.
public typealias AuditSnapshot = [String: AuditValue]

public enum AuditDiff {
    /// The fields whose values differ between two snapshots. A field missing from
    /// one side counts as null there. Secrets are never passed in: callers leave
    /// password hashes and tokens out of snapshots.
    public static func changes(from before: AuditSnapshot?, to after: AuditSnapshot?) -> [String: FieldChange] {
        let keys = Set((before ?? [:]).keys).union((after ?? [:]).keys)
        var result: [String: FieldChange] = [:]
        for key in keys {
            let old = before?[key] ?? .null
            let new = after?[key] ?? .null
            if old != new { result[key] = FieldChange(old: old, new: new) }
        }
        return result
    }
}

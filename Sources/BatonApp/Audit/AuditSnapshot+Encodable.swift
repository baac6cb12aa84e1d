import BatonCore
import Foundation

extension AuditSnapshot {
    /// A record's fields as the audit trail keeps them, read from its JSON form so
    /// that every store audits exactly what the API shows. Bookkeeping fields
    /// (`id`, `version`, timestamps) and anything in `excluding` are left out.
    static func of(_ record: some Encodable, excluding: Set<String> = []) -> AuditSnapshot {
        let skipped: Set<String> = ["id", "version", "createdAt", "updatedAt"]
        guard let data = try? JSON.encoder.encode(NullKeeping(record)),
            let object = try? JSONDecoder().decode([String: AnyJSON].self, from: data)
        else { return [:] }
        var snapshot: AuditSnapshot = [:]
        for (key, value) in object where !skipped.contains(key) && !excluding.contains(key) {
            // Nested objects (an address) become dotted fields, so a changed city shows as address.city.
            if case .object(let fields) = value {
                for (inner, innerValue) in fields { snapshot["\(key).\(inner)"] = innerValue.auditValue }
            } else {
                snapshot[key] = value.auditValue
            }
        }
        return snapshot
    }
}

/// Any JSON value, read without losing whether it was a boolean or a number.
private enum AnyJSON: Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case other(String)
    case text(String)
    case list([AnyJSON])
    case object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Decimal.self) { self = .other(d.description); return }
        if let s = try? c.decode(String.self) { self = .text(s); return }
        if let l = try? c.decode([AnyJSON].self) { self = .list(l); return }
        self = .object(try c.decode([String: AnyJSON].self))
    }

    /// A compact one-line form, for values inside lists and objects.
    var flat: String {
        switch self {
        case .null: "null"
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .other(let s), .text(let s): s
        case .list(let l): "[" + l.map(\.flat).joined(separator: ",") + "]"
        case .object(let o): "{" + o.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value.flat)" }.joined(separator: ",") + "}"
        }
    }

    var auditValue: AuditValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .text(let s), .other(let s): .text(s)
        case .list(let l): .list(l.map(\.flat))
        case .object: .text(flat)
        }
    }
}

import Foundation

/// A timeline entry said in words for people (issue 19, item 9): "Ana moved
/// Warehouse Wi-Fi to Proposal" with "amount 30,000 → 35,000" beneath, instead of
/// the audit trail's "opportunity update amount, stage".
public struct TimelineLine: Sendable, Equatable {
    /// Which filter shows it: `activity`, `deal`, `contact` or `account`.
    public var kind: String
    public var sentence: String
    /// Each meaningful field change, "amount 30,000 → 35,000".
    public var details: [String]
}

public enum TimelineWords {
    /// Fields the trail keeps that say nothing to a person.
    static let quiet: Set<String> = [
        "id", "version", "createdAt", "updatedAt", "archivedAt", "stageEnteredAt", "daysInStage", "accountId",
        "accountName", "probabilityOverridden", "forecastCategoryOverridden", "ownerId", "createdBy",
    ]

    /// The entry in words.
    /// - Parameters:
    ///   - actor: who did it (nil: "Someone").
    ///   - entity: `activity`, `account`, `contact` or `opportunity`.
    ///   - name: the record's name as known now (a change that renames it says the new name anyway).
    ///   - action: the change's action (`create`, `update`, `archive`, …) or the activity's kind.
    ///   - stageNames: stage key → the firm's name for it.
    public static func describe(actor: String?, entity: String, name: String?, action: String, subject: String?,
                                changes: [String: FieldChange], stageNames: [String: String] = [:]) -> TimelineLine {
        let who = actor.flatMap { $0.isEmpty ? nil : $0 } ?? "Someone"
        if entity == "activity" {
            let what = action == "task" ? "added a task" : "logged \(article(action)) \(action)"
            return TimelineLine(kind: "activity", sentence: subject.map { "\(who) \(what): \($0)" } ?? "\(who) \(what)", details: [])
        }
        let kind = entity == "opportunity" ? "deal" : entity
        let noun = entity == "opportunity" ? "deal" : entity
        let newName: String? = if case .text(let n)? = changes["name"]?.new { n } else { nil }
        let title = newName ?? name ?? "\(noun)"
        let stage: String? = if case .text(let s)? = changes["stage"]?.new { stageNames[s] ?? label(s) } else { nil }
        switch action {
        case "create":
            return TimelineLine(kind: kind, sentence: "\(who) added \(noun) \(title)", details: [])
        case "archive":
            return TimelineLine(kind: kind, sentence: "\(who) archived \(noun) \(title)", details: [])
        case "restore", "unarchive":
            return TimelineLine(kind: kind, sentence: "\(who) restored \(noun) \(title)", details: [])
        default:
            let details = changes.keys.sorted()
                .filter { !quiet.contains($0) && !($0 == "stage" && stage != nil) }
                .compactMap { field -> String? in
                    guard let c = changes[field] else { return nil }
                    let (old, new) = (say(c.old, field: field, stageNames: stageNames), say(c.new, field: field, stageNames: stageNames))
                    return old == new ? nil : "\(label(field)) \(old) → \(new)"
                }
            let sentence = stage.map { "\(who) moved \(title) to \($0)" } ?? "\(who) changed \(noun) \(title)"
            return TimelineLine(kind: kind, sentence: sentence, details: details)
        }
    }

    /// "closeDate" → "close date", "address.city" → "address city", "stage_key" → "stage key".
    public static func label(_ field: String) -> String {
        var out = ""
        for ch in field {
            if ch == "_" || ch == "." { out.append(" ") }
            else if ch.isUppercase { out.append(" "); out.append(contentsOf: ch.lowercased()) }
            else { out.append(ch) }
        }
        return out
    }

    /// A value as a person reads it: amounts grouped without zero cents, nothing for null.
    static func say(_ value: AuditValue, field: String, stageNames: [String: String]) -> String {
        switch value {
        case .null: return "nothing"
        case .bool(let b): return b ? "yes" : "no"
        case .int(let i): return grouped(Decimal(i))
        case .list(let l): return l.isEmpty ? "nothing" : l.joined(separator: ", ")
        case .text(let s):
            if field == "stage" { return stageNames[s] ?? label(s) }
            if s.isEmpty { return "nothing" }
            if s.range(of: #"^-?[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) != nil,
                let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) {
                return grouped(d)
            }
            return s
        }
    }

    /// 30000.00 → "30,000"; 1234.5 → "1,234.50".
    static func grouped(_ d: Decimal) -> String {
        var rounded = Decimal(), source = d
        NSDecimalRound(&rounded, &source, 0, .plain)
        return d.grouped(scale: rounded == d ? 0 : 2)
    }

    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeio".contains(first) ? "an" : "a"
    }
}

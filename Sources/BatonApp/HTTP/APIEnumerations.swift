import BatonCore
import Foundation

/// Every enumeration a request body may carry, in one list, so that a value
/// outside it is answered in the field's words with the accepted values
/// ("Buying role must be one of decision_maker, influencer, …"), never with
/// Swift's "Cannot initialize BuyingRole from invalid String value …".
/// `ContractTests` holds this list against the enums of `docs/openapi.yaml`.
enum APIEnumerations {
    struct Entry: Sendable {
        /// The schema's name in `docs/openapi.yaml`.
        let schema: String
        /// The type's name as Swift prints it (`Kind` for `FiscalPeriod.Kind`).
        let swiftName: String
        let values: [String]
    }

    static func entry<E: RawRepresentable & CaseIterable>(_ type: E.Type, schema: String? = nil) -> Entry where E.RawValue == String {
        let swiftName = String(describing: type)
        return Entry(schema: schema ?? swiftName, swiftName: swiftName, values: E.allCases.map(\.rawValue))
    }

    static let all: [Entry] = [
        entry(Role.self),
        entry(AccountStatus.self),
        entry(BuyingRole.self),
        entry(ActivityKind.self),
        entry(ForecastCategory.self),
        entry(OpportunityKind.self),
        entry(TeamRole.self),
        entry(ProposalStatus.self),
        entry(ProposalAction.self),
        entry(LineUnit.self),
        entry(LineKind.self),
        entry(BillingPeriod.self),
        entry(AgreementStatus.self),
        entry(FiscalPeriod.Kind.self, schema: "PeriodKind"),
        entry(QuotaMetric.self),
        entry(BonusMethod.self),
        entry(BonusMetric.self),
        entry(TimeOffKind.self),
        entry(TimeOffStatus.self),
        entry(NotificationKind.self),
        entry(NotificationChannel.self),
        entry(GrowthRecommendation.self),
        entry(ListKind.self),
    ]

    static let bySwiftName: [String: Entry] = Dictionary(all.map { ($0.swiftName, $0) }, uniquingKeysWith: { first, _ in first })

    /// The standard library's words when a `String` raw value matches no case:
    /// "Cannot initialize <Type> from invalid String value <value>".
    static func rejectedType(in description: String) -> String? {
        let prefix = "Cannot initialize "
        guard description.hasPrefix(prefix), let from = description.range(of: " from invalid ") else { return nil }
        return String(description[description.index(description.startIndex, offsetBy: prefix.count)..<from.lowerBound])
    }

    /// "buyingRole" → "Buying role"; "lines[2].unit" → "Unit".
    static func label(_ path: String) -> String {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        let name = last.split(separator: "[").first.map(String.init) ?? last
        guard !name.isEmpty, name != "body" else { return "The value" }
        var words = ""
        for character in name {
            if character.isUppercase { words += " " + character.lowercased() } else { words.append(character) }
        }
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// The field's message for a value outside an enumeration, or nil when the
    /// text is not the standard library's refusal of a raw value.
    static func message(path: String, description: String) -> String? {
        guard let type = rejectedType(in: description) else { return nil }
        guard let entry = bySwiftName[type] else { return "\(label(path)) is not one of the accepted values" }
        return "\(label(path)) must be one of \(entry.values.joined(separator: ", "))"
    }
}

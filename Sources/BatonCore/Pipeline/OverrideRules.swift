import Foundation

/// What a stage move does to a deal's probability and forecast-category overrides:
/// the new stage brings its own defaults and replaces them, unless the person asks
/// to keep them or sets them in the same change. Whatever is replaced is said, never
/// done silently.
public enum OverrideRules {
    /// The overrides a stage move dropped, and the sentence that tells the person.
    public struct Replacement: Sendable, Equatable, Codable {
        /// The probability override that was replaced, if one was.
        public var probability: DecimalString?
        /// The forecast-category override that was replaced, if one was.
        public var forecastCategory: ForecastCategory?
        /// The stage whose defaults replaced them.
        public var stage: String
        public var message: String
    }

    public struct Outcome: Sendable, Equatable {
        public var probabilityOverride: Decimal?
        public var categoryOverride: ForecastCategory?
        public var replaced: Replacement?

        public init(probabilityOverride: Decimal?, categoryOverride: ForecastCategory?, replaced: Replacement?) {
            self.probabilityOverride = probabilityOverride
            self.categoryOverride = categoryOverride
            self.replaced = replaced
        }
    }

    /// The overrides after a move to `stage`. `setsProbability`/`setsCategory`: the
    /// same change sends that field, which then wins whatever else (its value is
    /// applied afterwards by the caller). `keep`: the person asked to keep the overrides.
    public static func afterMove(
        to stage: Stage, probabilityOverride: Decimal?, categoryOverride: ForecastCategory?,
        keep: Bool, setsProbability: Bool, setsCategory: Bool
    ) -> Outcome {
        if keep { return Outcome(probabilityOverride: probabilityOverride, categoryOverride: categoryOverride, replaced: nil) }
        let droppedProbability = setsProbability ? nil : probabilityOverride
        let droppedCategory = setsCategory ? nil : categoryOverride
        var parts: [String] = []
        if let p = droppedProbability {
            parts.append("the probability override (\(p.plainText)%) by the stage's \(stage.probability.plainText)%")
        }
        if let c = droppedCategory {
            parts.append("the forecast category override (\(c.rawValue)) by the stage's \(stage.forecastCategory.rawValue)")
        }
        let replaced: Replacement? = parts.isEmpty ? nil : Replacement(
            probability: droppedProbability.map(DecimalString.init), forecastCategory: droppedCategory, stage: stage.key,
            message: "Moving to \(stage.name) replaced " + parts.joined(separator: " and ")
                + (stage.isClosed ? "." : ". To keep an override through a move, tick \"keep my override\" (keepOverride: true in the API)."))
        return Outcome(probabilityOverride: nil, categoryOverride: nil, replaced: replaced)
    }
}

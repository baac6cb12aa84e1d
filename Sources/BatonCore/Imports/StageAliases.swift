/// Turns a stage as another CRM writes it into the key of one of our default stages.
///
/// HubSpot exports its default pipeline's internal ids (`appointmentscheduled`) and
/// Salesforce its default picklist labels (`Negotiation/Review`); both are mapped to
/// the conventional stages Baton ships with. Anything else is only normalised, and the
/// store matches it against the configured stages' keys and names.
public enum StageAliases {
    /// Lower case, trimmed, runs of spaces, hyphens and underscores made one `_`, and
    /// the known HubSpot and Salesforce names mapped to our keys.
    public static func normalise(_ raw: String) -> String {
        if let known = known[ImportValues.choiceKey(raw)] { return known }
        var out = ""
        var pendingSeparator = false
        for c in raw.trimmed.lowercased() {
            if c == " " || c == "-" || c == "_" || c.isWhitespace {
                pendingSeparator = true
                continue
            }
            if pendingSeparator && !out.isEmpty { out.append("_") }
            pendingSeparator = false
            out.append(c)
        }
        return out
    }

    /// Keyed by `ImportValues.choiceKey`, so spelling, case and punctuation do not matter.
    private static let known: [String: String] = [
        // Our own keys and the Salesforce default picklist.
        "prospecting": "prospecting",
        "qualification": "qualification",
        "needsanalysis": "needs_analysis",
        "valueproposition": "needs_analysis",
        "iddecisionmakers": "needs_analysis",
        "perceptionanalysis": "needs_analysis",
        "proposal": "proposal",
        "proposalpricequote": "proposal",
        "negotiation": "negotiation",
        "negotiationreview": "negotiation",
        "closedwon": "closed_won",
        "closedlost": "closed_lost",
        // HubSpot's default sales pipeline, by internal id (and so by label too).
        "appointmentscheduled": "prospecting",
        "qualifiedtobuy": "qualification",
        "presentationscheduled": "needs_analysis",
        "decisionmakerboughtin": "proposal",
        "contractsent": "negotiation",
    ]
}

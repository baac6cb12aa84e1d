import BatonCore

/// A recurring line's terms as the API reads them, refusing keys it does not know
/// like every other input.
extension Recurrence: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case period, termMonths, autoRenew, noticeDays }
}

/// The free-text line form's recurring part: how often it is billed (or once), for how
/// many months, whether it renews by itself, and the notice. Its names are the API's
/// (`recurrence.termMonths`), so a refusal lands beside the field it names.
extension Recurrence {
    static let formNames = ["recurrence.period", "recurrence.termMonths", "recurrence.autoRenew", "recurrence.noticeDays"]

    static func formFields(_ form: FormState) -> [FormField] {
        [
            form.select("recurrence.period", "Billed", [(value: "", label: "once")]
                        + BillingPeriod.allCases.map { (value: $0.rawValue, label: $0.rawValue) }),
            form.text("recurrence.termMonths", "Term (months, for a recurring line)", inputmode: "numeric"),
            form.checkbox("recurrence.autoRenew", "Renews automatically"),
            form.text("recurrence.noticeDays", "Notice (days)", inputmode: "numeric"),
        ]
    }

    /// The recurrence the form stands for; nil for a line billed once.
    static func read(_ reader: inout FormReader, field f: String) -> Recurrence? {
        guard let period = reader.choice("recurrence.period", "Billed", BillingPeriod.self) else { return nil }
        func whole(_ name: String, _ label: String) -> Int? {
            guard let text = reader.optional("recurrence.\(name)") else { return nil }
            guard let n = Int(text) else {
                reader.problems.add("\(f).\(name)", "\(label) must be a whole number")
                return nil
            }
            return n
        }
        // A year when left out: whole periods of every kind.
        let term = whole("termMonths", "Term") ?? 12
        let autoRenew = reader.text("recurrence.autoRenew").map { !$0.isEmpty && $0 != "false" } ?? false
        return Recurrence(period: period, termMonths: term, autoRenew: autoRenew, noticeDays: whole("noticeDays", "Notice") ?? 0)
    }
}

import BatonCore
import Foundation

/// What an edit-in-place form shows when someone else saved the record first: only
/// the fields one side changed. The form carries the values it was drawn with
/// (`was.<field>`, hidden), so "mine" is what the person typed differently from
/// those, and "theirs" is what the saved record holds differently from them; a field
/// neither side touched is not in the panel.
struct EditConflict {
    struct Row { var label: String; var theirs: String; var mine: String; var mineChanged: Bool; var theirsChanged: Bool; var differs: Bool }
    var version: Int
    var rows: [Row]

    static let prefix = "was."

    /// The hidden fields that remember what the form showed.
    static func remembered(_ values: [String: String], _ names: [String]) -> [WebForm.Hidden] {
        names.map { WebForm.Hidden(name: prefix + $0, value: values[$0] ?? "") }
    }

    /// The fields the person changed: typed differently from what the form showed.
    /// A form without its memory (an old tab) counts what differs from `saved`.
    static func changedByMe(_ names: [String], typed: (String) -> String?, saved: [String: String]) -> [String] {
        names.filter { name in
            guard let mine = typed(name)?.trimmed else { return false }
            let was = typed(prefix + name) ?? saved[name] ?? ""
            return mine != was.trimmed
        }
    }

    /// The form drawn again after a conflict: mine where I changed a field, theirs
    /// elsewhere, so that "save mine over theirs" keeps what they changed and I did not.
    static func merged(_ names: [String], typed: (String) -> String?, saved: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        for name in names {
            let mine = (typed(name) ?? "").trimmed, theirs = saved[name] ?? ""
            let was = (typed(prefix + name) ?? theirs).trimmed
            values[name] = mine != was ? mine : theirs
        }
        return values
    }

    /// The panel's rows: each field either side changed, theirs as saved now and mine as typed.
    /// A form without its memory (an old tab) lists what differs from theirs as mine.
    static func rows(_ labels: [(name: String, label: String)], typed: (String) -> String?, saved: [String: String],
                     shown: (String, String) -> String = { $1 }) -> [Row] {
        labels.compactMap { field in
            let mine = (typed(field.name) ?? "").trimmed, theirs = (saved[field.name] ?? "").trimmed
            let was = (typed(prefix + field.name) ?? theirs).trimmed
            let mineChanged = mine != was, theirsChanged = theirs != was
            guard mineChanged || theirsChanged else { return nil }
            return Row(label: field.label, theirs: shown(field.name, theirs), mine: shown(field.name, mine),
                       mineChanged: mineChanged, theirsChanged: theirsChanged, differs: mine != theirs)
        }
    }
}

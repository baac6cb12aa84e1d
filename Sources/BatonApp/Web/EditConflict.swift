import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// What an edit-in-place form shows when someone else saved the record first: only
/// the fields one side changed. The form carries the values it was drawn with
/// (`was.<field>`, hidden), so "mine" is what the person typed differently from
/// those, and "theirs" is what the saved record holds differently from them; a field
/// neither side touched is not in the panel.
struct EditConflict {
    struct Row { var label: String; var theirs: String; var mine: String; var mineChanged: Bool; var theirsChanged: Bool; var differs: Bool }
    var version: Int
    var rows: [Row]
    /// What the panel (`edit-conflict` partial) calls the record ("this contact"), and
    /// where "Keep theirs and discard mine" goes: the record's page, drawn afresh.
    var noun = "record", discard = ""

    static let prefix = "was."

    /// The hidden fields that remember what the form showed.
    static func remembered(_ values: [String: String], _ names: [String]) -> [WebForm.Hidden] {
        names.map { WebForm.Hidden(name: prefix + $0, value: values[$0] ?? "") }
    }

    /// The memory of a form drawn again: what it showed when it was drawn from the saved
    /// record (fresh, or after a conflict, at the newer version), else what the refused
    /// post remembered, so that fixing one field does not count the others as mine.
    static func remembered(_ form: FormState, sent: Bool, conflict: Bool, saved: [String: String], _ names: [String]) -> [WebForm.Hidden] {
        remembered(!sent || conflict ? saved : Dictionary(uniqueKeysWithValues: names.map { ($0, form.value(prefix + $0)) }), names)
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

extension EditConflict {
    /// The panel for a form that came back over a newer version (`conflict`), else none:
    /// only the fields either side changed, each value as the page says it (`shown`).
    static func panel(_ labels: [(name: String, label: String)], sent: FormState?, conflict: Bool, saved: [String: String],
                      version: Int, noun: String, discard: String,
                      shown: (String, String) -> String = { $1 }) -> [EditConflict] {
        guard conflict, let mine = sent else { return [] }
        return [EditConflict(version: version, rows: rows(labels, typed: { mine.values[$0] }, saved: saved, shown: shown),
                             noun: noun, discard: discard)]
    }
}

extension WebRoutes {
    /// Saves a record's edit-in-place form through its area's action: `save` gets the
    /// version the form was drawn at (the action refuses a stale one with 412). A stale
    /// save draws the page again with the conflict panel (409); a refused one with each
    /// field's message; one that works goes back to the record (303).
    func saveInPlace(
        _ form: [String: String], prefix: String, back: String,
        save: (Connection, inout FormReader, Int?) async throws -> Void,
        redraw: (FormState, _ conflict: Bool, HTTPResponse.Status) async throws -> Response
    ) async throws -> Response {
        var reader = FormReader(form)
        let version = Int(form["version"] ?? "")
        if version == nil { reader.problems.add("version", "The form lost its version; reload the page and make the change again.") }
        do {
            // `save` reads the fields it needs against the saved record (only what I changed),
            // and throws what they could not parse before it calls the action.
            try await formTransaction(reader) { db in
                var fields = FormReader(form)
                try await save(db, &fields, version)
            }
        } catch let error as APIError where error.status == .preconditionFailed {
            return try await redraw(FormState(prefix, typed: form, failure: FormFailure(status: .conflict)), true, .conflict)
        } catch {
            guard let failure = FormFailure(error) else { throw error }
            return try await redraw(FormState(prefix, typed: form, failure: failure), false, failure.status)
        }
        return WebSession.redirect(back)
    }

    /// The same, for a form whose fields are the record's as `saved` reads them (nil: not
    /// seen, 404; `prefix` names the record): only the fields typed differently from what
    /// the form showed are read (`read`) and sent to the area's `change`; what they could
    /// not parse fails the post first.
    func saveInPlace<Actions: ChangesInPlace>(
        _ form: [String: String], prefix: String, fields names: [String], back: String,
        through actions: Actions, caller: Caller, id: Int64,
        saved: (Connection) async throws -> [String: String]?,
        read: (inout FormReader) -> Actions.Input,
        redraw: (FormState, _ conflict: Bool, HTTPResponse.Status) async throws -> Response
    ) async throws -> Response {
        try await saveInPlace(form, prefix: prefix, back: back, save: { db, fields, version in
            guard let values = try await saved(db) else { throw APIError.notFound(prefix) }
            let keys = Set(EditConflict.changedByMe(names, typed: { form[$0] }, saved: values))
            guard !keys.isEmpty else { return }
            let input = read(&fields)
            try fields.problems.throwIfInvalid()
            _ = try await actions.change(db, caller: caller, id: id, expected: version, input: input, keys: keys)
        }, redraw: redraw)
    }
}

/// An area's actions that change one record at the version the caller read, naming the
/// fields that change: what an edit-in-place form saves through.
protocol ChangesInPlace {
    associatedtype Input
    associatedtype Changed
    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: Input, keys: Set<String>) async throws -> Changed
}

extension ContactActions: ChangesInPlace {}
extension ProposalActions: ChangesInPlace {}

import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres
import NIOCore

/// How an admin form's action refused, as the API states it, for `AdminFormState.absorb`
/// to place beside the fields; our own faults are thrown on to the error page.
func adminRefusal(_ error: any Error, logger: Logger) throws -> APIError {
    let problem: APIError
    if let failure = error as? FormFailure {
        problem = APIError(failure.status, code: "refused", title: failure.status.reasonPhrase, detail: failure.messages.joined(separator: " "),
                           errors: failure.errors.sorted { $0.key < $1.key }.map { FieldError($0.key, $0.value) })
    } else {
        problem = ProblemMiddleware<BatonRequestContext>.problem(for: error, logger: logger)
    }
    if problem.status.code >= 500 { throw error }
    return problem
}

/// A form as a page shows it again after its action refused it: what the person typed,
/// the API's message beside each field, what belongs to no field, and on a stale save
/// the saved values (theirs) next to the typed ones (mine).
struct AdminFormState {
    var values: [String: String]
    var errors: [String: String] = [:]
    var messages: [String] = []
    var conflict: AdminConflict?

    init(_ values: [String: String] = [:]) { self.values = values }

    subscript(_ name: String) -> String { values[name] ?? "" }

    var failed: Bool { !errors.isEmpty || !messages.isEmpty || conflict != nil }

    /// A form key for an API field: `pricing.price` → `pricing_price`, `tiers[0].from` → `tiers_0__from`.
    static func key(_ apiField: String) -> String {
        String(apiField.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Puts the API's messages beside the fields this form shows (`fields`, form keys;
    /// `aliases` maps an API field's key to the form key that stands for it), and the
    /// rest above the form.
    /// `taken` is the field a 409 "already exists" naming no field is about (a key, a name).
    mutating func absorb(_ problem: APIError, fields: Set<String>, aliases: [String: String] = [:], taken: String? = nil) {
        func place(_ field: String, _ text: String) {
            // The JSON decoder's words for a form: no "written as a string" about a box the person typed in.
            let message = !text.contains(" written as a string") ? text
                : text.replacingOccurrences(of: " written as a string", with: "").replacingOccurrences(of: "\"", with: "")
            let key = Self.key(field)
            let target = aliases[key] ?? key
            if fields.contains(target) {
                errors[target] = errors[target].map { $0 + " " + message } ?? message
            } else {
                messages.append(message)
            }
        }
        if !problem.errors.isEmpty {
            for error in problem.errors { place(error.field, error.message) }
        } else if problem.code == "already-exists", let taken, fields.contains(taken) {
            place(taken, problem.detail)
        } else if let known = ConstraintMessages.table.values.first(where: { $0.message == problem.detail }) {
            // A unique value taken (a 409 naming no field): the field its constraint is about.
            place(known.field, problem.detail)
        } else {
            messages.append(problem.detail)
        }
    }
}

/// The saved values next to the typed ones, field by field.
struct AdminConflict {
    struct Row { var label: String; var theirs: String; var mine: String; var differs: Bool }
    var rows: [Row]

    init(_ rows: [(label: String, theirs: String, mine: String)]) {
        self.rows = rows.map { row in
            // 9000 and 9000.00 are the same amount.
            let same = row.theirs.trimmed == row.mine.trimmed
                || (Decimal(typed: row.theirs).map { $0 == Decimal(typed: row.mine) } ?? false)
            return Row(label: row.label, theirs: row.theirs, mine: row.mine, differs: !same)
        }
    }
}

/// One field of an admin form, drawn by `admin-fields.mustache`: a label, the input,
/// and the API's message beside it. No optionals, so that Mustache never reaches past
/// a field for a name it lacks.
struct AdminField {
    struct Option { var value: String; var label: String; var selected: Bool; var id: String }
    var id: String
    var name: String
    var label: String
    var value = ""
    var error = ""
    var hasError = false
    var hint = ""
    var hasHint = false
    var type = "text"
    var inputMode = "text"
    var autocomplete = "off"
    var isInput = false
    var isSelect = false
    var isCheckbox = false
    var isChecks = false
    var isTextarea = false
    var checked = false
    var options: [Option] = []

    private init(name: String, label: String, form: AdminFormState, prefix: String) {
        self.id = prefix + AdminFormState.key(name)
        self.name = name
        self.label = label
        self.value = form[name]
        if let error = form.errors[AdminFormState.key(name)] {
            self.error = error
            self.hasError = true
        }
    }

    func hinted(_ text: String) -> AdminField {
        var copy = self
        copy.hint = text
        copy.hasHint = !text.isEmpty
        return copy
    }

    static func text(_ name: String, _ label: String, _ form: AdminFormState, type: String = "text", inputMode: String = "text",
                     autocomplete: String = "off", prefix: String = "f-") -> AdminField {
        var f = AdminField(name: name, label: label, form: form, prefix: prefix)
        f.isInput = true
        f.type = type
        f.inputMode = inputMode
        f.autocomplete = autocomplete
        return f
    }

    static func number(_ name: String, _ label: String, _ form: AdminFormState, prefix: String = "f-") -> AdminField {
        text(name, label, form, inputMode: "decimal", prefix: prefix)
    }

    static func textarea(_ name: String, _ label: String, _ form: AdminFormState, prefix: String = "f-") -> AdminField {
        var f = AdminField(name: name, label: label, form: form, prefix: prefix)
        f.isTextarea = true
        return f
    }

    static func select(_ name: String, _ label: String, _ form: AdminFormState, options: [(value: String, label: String)],
                       prefix: String = "f-") -> AdminField {
        var f = AdminField(name: name, label: label, form: form, prefix: prefix)
        f.isSelect = true
        f.options = options.map { Option(value: $0.value, label: $0.label, selected: $0.value == f.value, id: "") }
        return f
    }

    static func checkbox(_ name: String, _ label: String, _ form: AdminFormState, prefix: String = "f-") -> AdminField {
        var f = AdminField(name: name, label: label, form: form, prefix: prefix)
        f.isCheckbox = true
        f.checked = f.value == "on"
        return f
    }

    /// A group of checkboxes named `<name>-<value>`; the group's error is under `name`.
    static func checks(_ name: String, _ label: String, _ form: AdminFormState, options: [(value: String, label: String)],
                       prefix: String = "f-") -> AdminField {
        var f = AdminField(name: name, label: label, form: form, prefix: prefix)
        f.isChecks = true
        f.options = options.map {
            Option(value: "\(name)-\($0.value)", label: $0.label, selected: form["\(name)-\($0.value)"] == "on",
                   id: prefix + AdminFormState.key("\(name)-\($0.value)"))
        }
        return f
    }
}

extension String {
    /// A form value as JSON: nil when empty (to leave a field out or send null).
    var adminValue: String? {
        let t = trimmed
        return t.isEmpty ? nil : t
    }
}

/// A JSON number when the text is a whole number, else the text itself, so that the
/// API names the field and says what it must be.
func adminWholeNumber(_ text: String) -> Any {
    let t = text.trimmed
    if let n = Int64(t) { return NSNumber(value: n) }
    return t
}

extension PageRequest {
    /// The request's page, or the first one when its limit or cursor cannot be read.
    static func adminPage(_ request: Request) throws -> PageRequest {
        if let page = try? PageRequest(request) { return page }
        return try PageRequest(limit: defaultLimit)
    }
}

extension WebRoutes {
    /// Runs `create` once per form key: the same form posted again answers with the
    /// record the first post made (the API's Idempotency-Key store, keyed by the form).
    static func once(
        _ request: Request, formKey: String?, values: [String: String], caller: Caller, db: Connection,
        _ create: () async throws -> Int64
    ) async throws -> Int64 {
        guard let key = formKey?.adminValue else { return try await create() }
        var head = request.head
        head.headerFields[.idempotencyKey] = key
        let keyed = Request(head: head, body: .init(buffer: ByteBuffer()))
        let sent = values.filter { $0.key != "csrf" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        let answer = try await Idempotency.run(keyed, body: Data(sent.utf8), userID: caller.id, db: db) {
            let id = try await create()
            return APIResponse(status: .created, headers: [.location: "/\(id)"], body: Data())
        }
        guard let id = answer.headers[.location]?.split(separator: "/").last.flatMap({ Int64($0) }) else { throw APIError.internalError }
        return id
    }
}

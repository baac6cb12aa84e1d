import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres

/// One field of a page's form as the `form-field` partial draws it: its label, what
/// is in it (what the person typed, after a failed post), and the message of the
/// rule it broke, next to it.
struct FormField {
    // No optionals here: Mustache looks a missing (nil) name up in the enclosing
    // contexts, so every value a section tests is a plain Bool or String.
    var id: String
    var name: String
    var label: String
    var value: String
    var type = "text"
    var isInput = true
    var isSelect = false
    var isTextarea = false
    var isCheckbox = false
    var checked = false
    var options: [Choice] = []
    var required = false
    var hasHint = false
    var hint = ""
    var hasError = false
    var error = ""
    /// `inputmode` for text that is a number (a text box, so that the server's message,
    /// not the browser's, says what is wrong).
    var hasInputmode = false
    var inputmode = ""
    var hasMaxlength = false
    var maxlength = ""
}

/// A form of a page: its fields, and the messages that belong to no one field.
struct WebForm {
    var fields: [FormField]
    var messages: [String]
    /// The post failed: the form is shown open, with what was typed.
    var failed: Bool
    /// Hidden values the form carries back (the record's version).
    var hidden: [Hidden]
    struct Hidden { var name: String; var value: String }
}

/// What a form holds while it is drawn: the values to show (the record's, or what
/// the person typed when the post failed) and the messages of the failure.
struct FormState {
    var prefix: String
    var values: [String: String]
    var errors: [String: String] = [:]
    var messages: [String] = []
    var failed = false

    init(_ prefix: String, values: [String: String] = [:]) {
        self.prefix = prefix
        self.values = values
    }

    /// The form as the person sent it, with what was wrong.
    init(_ prefix: String, typed: [String: String], failure: FormFailure) {
        self.prefix = prefix
        values = typed
        errors = failure.errors
        messages = failure.messages
        failed = true
    }

    func value(_ name: String) -> String { values[name] ?? "" }

    private func base(_ name: String, _ label: String, required: Bool, hint: String?) -> FormField {
        FormField(id: "\(prefix)-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined(), name: name, label: label, value: value(name),
                  required: required, hasHint: hint != nil, hint: hint ?? "", hasError: errors[name] != nil, error: errors[name] ?? "")
    }

    func text(_ name: String, _ label: String, required: Bool = false, type: String = "text", hint: String? = nil,
              inputmode: String? = nil, maxlength: Int? = nil) -> FormField {
        var f = base(name, label, required: required, hint: hint)
        f.type = type
        f.hasInputmode = inputmode != nil
        f.inputmode = inputmode ?? ""
        f.hasMaxlength = maxlength != nil
        f.maxlength = maxlength.map(String.init) ?? ""
        return f
    }

    func textarea(_ name: String, _ label: String) -> FormField {
        var f = base(name, label, required: false, hint: nil)
        f.isInput = false
        f.isTextarea = true
        return f
    }

    func select(_ name: String, _ label: String, _ options: [(value: String, label: String)], required: Bool = false,
                hint: String? = nil) -> FormField {
        var f = base(name, label, required: required, hint: hint)
        f.isInput = false
        f.isSelect = true
        let current = value(name)
        f.options = options.map { Choice(value: $0.value, label: $0.label, selected: $0.value == current) }
        return f
    }

    func checkbox(_ name: String, _ label: String) -> FormField {
        var f = base(name, label, required: false, hint: nil)
        f.isInput = false
        f.isCheckbox = true
        f.checked = !value(name).isEmpty && value(name) != "false"
        return f
    }

    /// The form with its fields; messages for fields it does not show go to the top.
    func form(_ fields: [FormField], hidden: [WebForm.Hidden] = []) -> WebForm {
        let shown = Set(fields.map(\.name))
        let stray = errors.filter { !shown.contains($0.key) }.sorted { $0.key < $1.key }.map(\.value)
        return WebForm(fields: fields, messages: messages + stray, failed: failed, hidden: hidden)
    }
}

/// A form post's failure that the person can put right: each broken rule's message
/// by field (the API's field names), others for the whole form, and the status the
/// page is answered with (422, 409…).
struct FormFailure: Error {
    var status: HTTPResponse.Status
    var errors: [String: String]
    var messages: [String]

    /// The failure as the form shows it, or nil when it is not the person's to fix
    /// (not found, not allowed, our own fault): those go to the error pages.
    init?(_ error: any Error) {
        let problem: APIError
        switch error {
        case let e as FormFailure:
            self = e
            return
        case let e as ValidationFailure:
            problem = .validation(e.errors)
        case let e as APIError:
            problem = e
        case let e as PostgresError:
            problem = ProblemMiddleware<BatonRequestContext>.problem(for: e, logger: Logger(label: "baton.web"))
        default:
            return nil
        }
        guard problem.status.code < 500, ![401, 403, 404].contains(problem.status.code) else { return nil }
        status = problem.status
        var byField: [String: String] = [:]
        for e in problem.errors {
            byField[e.field] = byField[e.field].map { $0 + " " + e.message } ?? e.message
        }
        errors = byField
        messages = problem.errors.isEmpty ? [problem.detail] : []
    }

    init(status: HTTPResponse.Status, errors: [String: String] = [:], messages: [String] = []) {
        self.status = status
        self.errors = errors
        self.messages = messages
    }
}

/// Reading a form's text into the API's typed input: a value that does not parse is
/// a field error with the same words the API uses, collected while reading.
struct FormReader {
    let form: [String: String]
    var problems = Validator()

    init(_ form: [String: String]) { self.form = form }

    /// The text, or nil when the field was not sent.
    func text(_ name: String) -> String? { form[name] }

    /// Trimmed text, nil when empty.
    func optional(_ name: String) -> String? { form[name]?.trimmed.nilIfEmpty }

    /// `field`: the API's name for the value, when the form's input is named otherwise.
    mutating func money(_ name: String, _ label: String, field: String? = nil) -> Money? {
        guard let text = optional(name) else { return nil }
        guard let value = Decimal(typed: text) else {
            problems.add(field ?? name, "\(label) must be a number, like 84000.00")
            return nil
        }
        return Money(value)
    }

    mutating func decimal(_ name: String, _ label: String, field: String? = nil) -> DecimalString? {
        guard let text = optional(name) else { return nil }
        guard let value = Decimal(typed: text) else {
            problems.add(field ?? name, "\(label) must be a number, like 12.5")
            return nil
        }
        return DecimalString(value)
    }

    mutating func date(_ name: String, _ label: String) -> CalendarDate? {
        guard let text = optional(name) else { return nil }
        guard let date = CalendarDate(text) else {
            problems.add(name, "\(label) must be a date, like 2025-06-30")
            return nil
        }
        return date
    }

    mutating func id(_ name: String, _ label: String, field: String? = nil) -> Int64? {
        guard let text = optional(name) else { return nil }
        guard let id = Int64(text), id > 0 else {
            problems.add(field ?? name, "Choose the \(label.lowercased()) from the list")
            return nil
        }
        return id
    }

    mutating func choice<T: RawRepresentable>(_ name: String, _ label: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = optional(name) else { return nil }
        guard let value = T(rawValue: text) else {
            problems.add(name, "Choose the \(label.lowercased()) from the list")
            return nil
        }
        return value
    }
}

extension WebRoutes {
    /// Runs a form's change in one transaction. Fields the reader could not parse fail
    /// the post together with whatever the API's own rules found in the rest, and
    /// nothing is kept (the transaction is rolled back).
    func formTransaction<T>(_ reader: FormReader, _ body: (Connection) async throws -> T) async throws -> T {
        let parsed = reader.problems
        do {
            return try await services.pool.withTransaction { db in
                let result = try await body(db)
                try parsed.throwIfInvalid()
                return result
            }
        } catch let failure as ValidationFailure where !parsed.errors.isEmpty {
            let fields = Set(parsed.errors.map(\.field))
            throw ValidationFailure(parsed.errors + failure.errors.filter { !fields.contains($0.field) })
        } catch where !parsed.errors.isEmpty {
            // Another refusal: the unreadable fields come first, then what was refused.
            var failure = FormFailure(error) ?? FormFailure(status: .unprocessableContent)
            for e in parsed.errors { failure.errors[e.field] = e.message }
            failure.status = .unprocessableContent
            throw failure
        }
    }
}

/// The pages' error path: a handler's error becomes a page in the frame's words
/// with the real status (404 not found, 403 not allowed, 500 our fault), never the
/// API's JSON problem.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext
    let renderer: PageRenderer

    struct ErrorPage {
        var status: Int
        var title: String
        var detail: String
        var requestId: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = ProblemMiddleware<BatonRequestContext>.problem(for: error, logger: context.logger)
            var response: Response
            switch problem.status.code {
            case 404:
                response = renderer.page("not-found", [String: String](), status: .notFound)
            case 403:
                response = renderer.page("forbidden", [String: String](), status: .forbidden)
            case 500...:
                let id = RequestIDMiddleware<BatonRequestContext>.id(of: context)
                response = renderer.page("error", ErrorPage(
                    status: problem.status.code, title: problem.status.code == 503 ? "Try again in a moment" : "Something went wrong",
                    detail: problem.status.code == 503
                        ? "The database is not reachable right now; nothing was changed. Try again in a few seconds."
                        : "Something went wrong on our side and nothing was changed. Go back and try again; if it happens again, tell us the reference below.",
                    requestId: id), status: problem.status)
            default:
                response = renderer.page("error", ErrorPage(status: problem.status.code, title: problem.title, detail: problem.detail),
                                         status: problem.status)
            }
            for field in problem.headers where field.name == .retryAfter { response.headers.append(field) }
            return response
        }
    }
}

/// An address nothing answers, asked for by a browser outside `/api`: the friendly
/// not-found page (status 404) instead of the API's problem document.
struct PageNotFoundMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let wantsPage = !request.uri.path.hasPrefix("/api/")
                && request.headers[values: .accept].contains { $0.contains("text/html") }
            guard wantsPage else { throw error }
            return renderer.page("not-found", [String: String](), status: .notFound)
        }
    }
}

extension WebRoutes {
    /// A form posted by the signed-in person: `handle` runs once the session cookie and
    /// the form's CSRF token check out; otherwise the answer is the way to sign in, or 403.
    func postedForm(
        _ request: Request, _ context: BatonRequestContext,
        _ handle: (Caller, String, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        return try await handle(caller, token, form)
    }
}

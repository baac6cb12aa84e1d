/// One thing wrong with one field of a request, said so that a person can fix it.
public struct FieldError: Sendable, Equatable, Codable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        (self.field, self.message) = (field, message)
    }
}

/// Input that breaks the business's rules: every broken rule, not only the first.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [FieldError]
    public init(_ errors: [FieldError]) { self.errors = errors }
    public init(_ field: String, _ message: String) { errors = [FieldError(field, message)] }
}

/// Collects field errors while a value is checked, then throws them together.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    /// Starts with the message of each field the input left out, in the order given,
    /// so that a create names every missing field at once:
    /// `Validator(required: [(input.name != nil, "name", "Name is required")])`.
    public init(required fields: [(present: Bool, field: String, message: String)]) {
        for (present, field, message) in fields { check(present, field, message) }
    }

    public mutating func add(_ field: String, _ message: String) {
        errors.append(FieldError(field, message))
    }

    public mutating func check(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { add(field, message) }
    }

    public func throwIfInvalid() throws(ValidationFailure) {
        if !errors.isEmpty { throw ValidationFailure(errors) }
    }
}

extension String {
    /// The text with surrounding spaces and newlines removed.
    public var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

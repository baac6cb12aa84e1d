/// An error from the database layer, with a stable code that callers branch on.
///
/// `description` says only the code and SQLSTATE, never the server's message, so
/// that an error that reaches a log line or an HTTP response leaks no data or SQL
/// (a failed connection also says libpq's reason, which names no data).
/// The server's words are kept in `message` and `detail` for those who need them.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case connectionFailed
        case connectionClosed
        case uniqueViolation
        case foreignKeyViolation
        case checkViolation
        case notNullViolation
        case exclusionViolation
        case serializationFailure
        case deadlockDetected
        case queryCanceled
        case lockNotAvailable
        case invalidText
        case numericOutOfRange
        case diskFull
        case insufficientResources
        case adminShutdown
        case raisedException
        case transactionAborted
        case readOnlyTransaction
        case syntaxError
        case undefinedObject
        case server
        case missingColumn
        case unexpectedNull
        case unparsableValue
        case poolTimeout
        case poolClosed
        case copyFailed
        case protocolError
        /// A prepared statement's result changed shape (a table it reads was altered).
        case cachedPlanChanged
    }

    public var code: Code
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    /// The server's primary message, or ours for client-side errors.
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?

    public init(
        code: Code, sqlState: String? = nil, message: String, detail: String? = nil,
        hint: String? = nil, constraint: String? = nil, table: String? = nil, column: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
    }

    public var description: String {
        // libpq's reason for a failed connection names a host and a cause, never data:
        // without it an operator cannot tell a wrong port from a refused password.
        if code == .connectionFailed, !message.isEmpty { return "PostgresError(connectionFailed: \(message))" }
        if let sqlState { return "PostgresError(\(code.rawValue), SQLSTATE \(sqlState))" }
        return "PostgresError(\(code.rawValue))"
    }

    /// True when the connection that raised this error can no longer be used.
    public var isConnectionLevel: Bool {
        switch code {
        case .connectionFailed, .connectionClosed, .adminShutdown: true
        default: sqlState?.hasPrefix("08") ?? false
        }
    }

    /// True when running the whole transaction again may succeed.
    public var isRetryableTransactionConflict: Bool {
        code == .serializationFailure || code == .deadlockDetected || code == .cachedPlanChanged
    }

    /// True for the errors a prepared statement made before a schema change can raise:
    /// its result changed shape, a type no longer matches (22…), a column or table is
    /// gone (42…).
    var mayComeFromAStalePreparedStatement: Bool {
        code == .cachedPlanChanged || sqlState?.hasPrefix("22") == true || sqlState?.hasPrefix("42") == true
    }

    /// True when the database is unavailable rather than the request being wrong:
    /// callers answer 503 for these.
    public var isUnavailable: Bool {
        switch code {
        case .connectionFailed, .connectionClosed, .adminShutdown, .poolTimeout, .poolClosed,
            .diskFull, .insufficientResources, .queryCanceled, .readOnlyTransaction:
            true
        default: false
        }
    }

    static func code(forSQLState state: String) -> Code {
        switch state {
        case "23505": return .uniqueViolation
        case "23503": return .foreignKeyViolation
        case "23514": return .checkViolation
        case "23502": return .notNullViolation
        case "23P01": return .exclusionViolation
        case "40001": return .serializationFailure
        case "40P01": return .deadlockDetected
        case "57014": return .queryCanceled
        case "55P03": return .lockNotAvailable
        case "22P02", "22007", "22008", "22021", "22023": return .invalidText
        case "22003": return .numericOutOfRange
        case "53100": return .diskFull
        case "53000", "53200", "53300": return .insufficientResources
        case "57P01", "57P02", "57P03": return .adminShutdown
        case "P0001": return .raisedException
        case "25P02": return .transactionAborted
        case "25006": return .readOnlyTransaction
        case "42601": return .syntaxError
        case "42704", "42P01", "42703", "42883": return .undefinedObject
        default:
            if state.hasPrefix("08") { return .connectionClosed }
            return .server
        }
    }
}

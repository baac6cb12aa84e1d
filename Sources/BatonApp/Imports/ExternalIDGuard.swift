import BatonCore
import HTTPTypes
import Postgres

/// The external id a create or an edit of an account, contact or opportunity may
/// store, for the routes of those records to call before they write (issue 14,
/// item 9). `ExternalIDRules` holds the rule; this adds what only the database
/// knows: whether another record already has the id, and whether the caller sees it.
enum ExternalIDGuard {
    /// What to store as the external id. `given` is the field as sent, `current` the
    /// record's external id before an edit (nil for a new record). Throws 422 on
    /// `externalId` for a `baton:` id, and for an id a record the caller cannot see
    /// has, in the same words as for an id that names nothing they can see, so the
    /// answer never tells that such a record exists; an id a record they do see has
    /// is a 409 that names it.
    static func externalIDToStore(
        _ db: Connection, given: String?, kind: ImportKind, use: ExternalIDRules.Use, current: String?, caller: Caller
    ) async throws -> String? {
        let id: String
        switch ExternalIDRules.check(given, use: use) {
        case .none: return nil
        case .ownRecord: return current
        case .refused(let message): throw APIError.validation([FieldError("externalId", message)])
        case .reference:
            // Only an import row names another record by its Baton id.
            throw APIError.validation([FieldError("externalId", ExternalIDRules.reservedMessage)])
        case .ordinary(let ordinary): id = ordinary
        }
        if id == current { return id }
        let holder: Query = switch kind {
        case .accounts:
            "SELECT a.id, \(Scope.accounts(caller, alias: "a")) AS visible FROM accounts a WHERE a.external_id = \(id)"
        case .contacts:
            "SELECT c.id, \(Scope.accountOf(caller, column: "c.account_id")) AS visible FROM contacts c WHERE c.external_id = \(id)"
        case .opportunities:
            "SELECT o.id, \(Scope.accountOf(caller, column: "o.account_id")) AS visible FROM opportunities o WHERE o.external_id = \(id)"
        }
        // Row-level security would hide the record, and the insert would then fail
        // on the unique external id, telling that it exists: look past it, then
        // answer by the caller's own scope.
        let row = try await db.withoutRowSecurity { try await db.query(holder).first }
        guard let row else { return id }
        let noun = switch kind { case .accounts: "account"; case .contacts: "contact"; case .opportunities: "opportunity" }
        if try row.decode("visible", as: Bool.self) {
            let other: Int64 = try row.decode("id")
            throw APIError(.conflict, code: "already-exists", title: "Conflict",
                           detail: "Another \(noun) you can see (\(noun) \(other)) has this external id",
                           errors: [FieldError("externalId", "Another \(noun) you can see (\(noun) \(other)) has this external id")])
        }
        throw APIError.validation([FieldError("externalId", ExternalIDRules.notUsable(id, kind: noun))])
    }
}

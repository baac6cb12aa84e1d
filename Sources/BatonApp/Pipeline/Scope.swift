import BatonCore
import Foundation
import Postgres

/// What a caller may see of the pipeline, as SQL conditions every store applies.
enum Scope {
    /// Accounts `caller` may see; `alias` names the accounts table in the query.
    static func accounts(_ caller: Caller, alias: String = "a") -> Query {
        if caller.isAdmin { return "TRUE" }
        return "\(unsafeSQL: alias).id IN (SELECT account_id FROM visible_account_ids(\(caller.id)))"
    }

    /// Records that hang off an account (contacts, opportunities, activities):
    /// visible when their account is. `column` is the account id column.
    static func accountOf(_ caller: Caller, column: String) -> Query {
        if caller.isAdmin { return "TRUE" }
        return "\(unsafeSQL: column) IN (SELECT account_id FROM visible_account_ids(\(caller.id)))"
    }

    /// One record's account, for a read or lock of that record by its id: visible when
    /// the caller's row of `account_viewers` for it exists, one look-up of that table's
    /// primary key. The two above hand the planner the caller's whole set of accounts,
    /// which a list needs and a single record does not (issue 21, item 4).
    static func account(_ caller: Caller, column: String) -> Query {
        if caller.isAdmin { return "TRUE" }
        return "EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = \(caller.id) AND v.account_id = \(unsafeSQL: column))"
    }

    static func requireReader(_ caller: Caller) throws {
        guard PipelineAccess.canRead(caller.roles) else {
            throw APIError.forbidden("Consultants do not see the pipeline; ask an account manager.")
        }
    }

    static func requireWriter(_ caller: Caller) throws {
        guard PipelineAccess.canWrite(caller.roles) else {
            throw APIError.forbidden("Only admins, managers, account managers and sales change the pipeline.")
        }
    }

    /// The pipeline's configuration (its stages) is an admin's to change.
    static func requireAdmin(_ caller: Caller) throws {
        guard caller.isAdmin else { throw APIError.forbidden("Only an admin may do this.") }
    }

    /// An ILIKE pattern that matches `text` anywhere, with its wildcards escaped.
    static func containsPattern(_ text: String) -> String {
        "%" + text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}

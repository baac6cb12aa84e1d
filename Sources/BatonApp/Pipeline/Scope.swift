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

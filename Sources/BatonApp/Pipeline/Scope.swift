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

    /// `account`, as a condition the planner keeps on each row: the function is inlined
    /// after subqueries are turned into joins, so a walk in another index's order stays
    /// that walk, checking each row as it comes, whatever the statistics say of how many
    /// accounts the caller sees.
    static func accountChecked(_ caller: Caller, column: String) -> Query {
        if caller.isAdmin { return "TRUE" }
        return "account_visible(\(caller.id), \(unsafeSQL: column))"
    }

    /// Records of the caller's accounts read in one scan, as a sum over all of them is:
    /// the accounts as one array, which the planner hands an (account, …) index as its
    /// key. That one scan expects many rows, so row-level security's own check of each
    /// row is made against the viewer's accounts hashed once. Given the set as a join
    /// (`accountOf`) it reads one account at a time and checks each row with a look-up
    /// of its own: a sales manager's board totals for the quarter (1,600 accounts'
    /// 15,000 deals) 180-240 ms that way, 40-70 ms this way. For someone who sees all
    /// 10,000 accounts the planner still checks row by row (660-940 -> 490-560 ms).
    static func accountsArray(_ caller: Caller, column: String) -> Query {
        if caller.isAdmin { return "TRUE" }
        return "\(unsafeSQL: column) = ANY (ARRAY(SELECT v.account_id FROM account_viewers v WHERE v.viewer_id = \(caller.id)))"
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

import BatonCore
import Foundation
import Postgres

/// What the row-by-row imports (agreements, sites) look up before their area's action
/// writes: the account a row names, and the sites a row may update.
struct RowImportStore: Sendable {
    /// A live site of an account as stored, access notes included: whether a row
    /// changes it is judged on what it holds, whoever imports.
    struct StoredSite: Sendable {
        var id: Int64
        var version: Int
        var fields: SiteFields
    }

    /// The live account with this external id, if the caller sees it (one answer for
    /// missing and unseen, so nobody learns which accounts exist beyond their sight).
    func account(_ db: Connection, caller: Caller, externalID: String) async throws -> Int64? {
        guard !externalID.isEmpty else { return nil }
        return try await db.query("""
            SELECT a.id FROM accounts a
            WHERE a.external_id = \(externalID) AND a.archived_at IS NULL AND \(Scope.accountOf(caller, column: "a.id"))
            """).first?.decode("id")
    }

    /// The account's live sites of this name, case aside (with no account, the firm's
    /// own places): what a row with it names.
    func sites(_ db: Connection, accountID: Int64?, name: String) async throws -> [StoredSite] {
        let account: Query = accountID.map { "account_id = \($0)" } ?? "account_id IS NULL"
        return try await db.query("""
            SELECT id, version, name, address, time_zone, latitude, longitude, access_notes, is_main FROM sites
            WHERE \(account) AND archived_at IS NULL AND lower(name) = lower(\(name))
            ORDER BY id
            """).map { row in
            StoredSite(id: try row.decode("id"), version: try row.decode("version"), fields: SiteFields(
                accountID: accountID, name: try row.decode("name"), address: try row.decode("address"),
                timeZone: try row.decode("time_zone"), latitude: try row.decode("latitude"), longitude: try row.decode("longitude"),
                accessNotes: try row.decode("access_notes"), isMain: try row.decode("is_main")))
        }
    }
}

import BatonCore
import Postgres

/// How a caller stands towards a record (owner, above the owner, on the team, or
/// only seeing it), read in one statement so the change rights in
/// `BatonCore/Pipeline/ChangeRights.swift` can judge it.
enum Standings {
    static func opportunity(_ db: Connection, id: Int64, ownerID: Int64, caller: Caller) async throws -> Standing {
        if caller.isAdmin { return .admin }
        let row = try await db.expectRow("""
            SELECT \(ownerID) IN (SELECT user_id FROM reporting_line(\(caller.id))) AS owner_in_line,
                   EXISTS (SELECT 1 FROM opportunity_team t
                           WHERE t.opportunity_id = \(id)
                             AND t.user_id IN (SELECT user_id FROM reporting_line(\(caller.id)))) AS team_in_line
            """)
        return Standing.of(isAdmin: false, callerID: caller.id, ownerID: ownerID,
                           ownerInLine: try row.decode("owner_in_line"), teamInLine: try row.decode("team_in_line"))
    }

    /// Accounts, activities and anything else with an owner and no team.
    static func owned(_ db: Connection, ownerID: Int64?, caller: Caller) async throws -> Standing {
        if caller.isAdmin { return .admin }
        guard let ownerID else { return .other }
        if ownerID == caller.id { return .owner }
        let inLine: Bool = try await db.expectRow("""
            SELECT \(ownerID) IN (SELECT user_id FROM reporting_line(\(caller.id))) AS in_line
            """).decode("in_line")
        return Standing.of(isAdmin: false, callerID: caller.id, ownerID: ownerID, ownerInLine: inLine)
    }
}

extension ChangeRefused {
    /// Runs one of the change-rights rules; the caller sees the record, so a refusal
    /// may say so: 403 with the reason.
    static func enforce(_ rule: () throws -> Void) throws {
        do { try rule() } catch let refused as ChangeRefused { throw APIError.forbidden(refused.message) }
    }
}

extension Connection {
    /// The one row a statement always returns (an aggregate, an `EXISTS`, an
    /// `INSERT … RETURNING`). Its absence is a bug to report as a 500, never a reason
    /// to end the process.
    func expectRow(_ query: Query) async throws -> Row {
        guard let row = try await self.query(query).first else { throw APIError.internalError }
        return row
    }

    /// A record re-read after a write, whoever the caller is: the change may have taken
    /// it out of the caller's sight (another account, another owner), yet the audit
    /// trail needs it whole and the caller is owed the record they just wrote.
    func writtenRow(_ query: Query, entity: String) async throws -> Row {
        try await withoutRowSecurity {
            guard let row = try await self.query(query).first else { throw APIError.notFound(entity) }
            return row
        }
    }
}

import BatonCore
import Postgres

/// CSV exports in the import's own columns, so that an export imports back as
/// updates. A record with no external id is written as `baton:<id>`, which the
/// import resolves to the same record.
struct ExportStore: Sendable {
    func csv(_ db: Connection, kind: ImportKind, caller: Caller) async throws -> String {
        let rows: QueryResult
        switch kind {
        case .accounts:
            rows = try await db.query("""
                SELECT coalesce(a.external_id, 'baton:' || a.id) AS "externalId", a.name, a.domain, a.industry,
                       u.email AS "ownerEmail", CASE WHEN p.id IS NOT NULL THEN coalesce(p.external_id, 'baton:' || p.id) END AS "parentExternalId",
                       a.status, a.street, a.city, a.region, a.postal_code AS "postalCode", a.country
                FROM accounts a LEFT JOIN users u ON u.id = a.owner_id LEFT JOIN accounts p ON p.id = a.parent_id
                WHERE a.archived_at IS NULL AND \(Scope.accounts(caller))
                ORDER BY a.id
                """)
        case .contacts:
            rows = try await db.query("""
                SELECT coalesce(c.external_id, 'baton:' || c.id) AS "externalId",
                       coalesce(a.external_id, 'baton:' || a.id) AS "accountExternalId", c.name, c.email, c.phone, c.title,
                       c.buying_role AS "buyingRole", CASE WHEN c.do_not_contact THEN 'true' ELSE 'false' END AS "doNotContact"
                FROM contacts c JOIN accounts a ON a.id = c.account_id
                WHERE c.archived_at IS NULL AND \(Scope.accounts(caller))
                ORDER BY c.id
                """)
        case .opportunities:
            rows = try await db.query("""
                SELECT coalesce(o.external_id, 'baton:' || o.id) AS "externalId",
                       coalesce(a.external_id, 'baton:' || a.id) AS "accountExternalId", o.name, o.kind, o.stage_key AS stage,
                       o.amount::text AS amount, o.close_date::text AS "closeDate", u.email AS "ownerEmail",
                       o.next_step AS "nextStep", o.source,
                       (effective_probability(s.is_won OR s.is_lost, s.probability, o.probability_override))::text AS probability,
                       effective_forecast_category(s.is_won OR s.is_lost, s.forecast_category, o.forecast_category_override) AS "forecastCategory",
                       o.lost_reason AS "lostReason",
                       CASE WHEN s.is_won THEN o.closed_on::text END AS "wonOn", CASE WHEN s.is_lost THEN o.closed_on::text END AS "lostOn",
                       o.created_at::date::text AS "createdOn"
                FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key
                LEFT JOIN users u ON u.id = o.owner_id
                WHERE o.archived_at IS NULL AND \(Scope.accounts(caller))
                ORDER BY o.id
                """)
        }
        let columns = ImportMapping.exportColumns(kind)
        let values = rows.rows.map { row in columns.map { (try? row.decode($0, as: String?.self)).flatMap { $0 } ?? "" } }
        return CSV.write(header: columns, rows: values)
    }
}

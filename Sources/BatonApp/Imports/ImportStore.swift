import BatonCore
import Dates
import Foundation
import HTTPTypes
import Postgres

/// What an import did, or would do: rows read, rows valid, records created and
/// updated, every problem with its line, and warnings that did not stop it.
struct ImportReport: Codable, Sendable {
    var kind: String
    var dryRun: Bool
    var rows: Int
    var valid: Int
    var created: Int
    var updated: Int
    var errors: [ImportIssue]
    var warnings: [ImportIssue]
}

/// Thrown by a real import that found problems: nothing was stored, and the
/// report says why.
struct ImportRefused: Error {
    let report: ImportReport
}

/// CSV imports of accounts, contacts and opportunities, set-based: the file is
/// read and checked in Swift, streamed with COPY into a staging table, checked
/// again against the database there, and written with a few statements. A dry run
/// stops before writing; a real import is all or nothing; re-importing a file
/// updates the records its ids name instead of adding new ones.
struct ImportStore: Sendable {
    let stages: StageStore

    func run(_ db: Connection, kind: ImportKind, data: Data, dryRun: Bool, caller: Caller, today: CalendarDate) async throws -> ImportReport {
        let table: CSVTable
        do {
            table = try CSV.parse(data)
        } catch {
            throw APIError(.unprocessableContent, code: "unreadable-file", title: "The file could not be read",
                           detail: error.description, errors: [FieldError(error.line.map { "line \($0)" } ?? "file", error.message)])
        }
        // One import of a kind at a time: concurrent imports of one file make no duplicates.
        try await db.query("SELECT pg_advisory_xact_lock(hashtext('baton import ' || \(kind.rawValue)))")
        var job = ImportJob(db: db, kind: kind, header: table.header, rows: table.records.count, caller: caller, today: today)
        do {
            switch kind {
            case .accounts:
                let (rows, issues) = try ImportMapping.accounts(table)
                job.errors = issues
                try await job.accounts(rows, dryRun: dryRun)
            case .contacts:
                let (rows, issues) = try ImportMapping.contacts(table)
                job.errors = issues
                try await job.contacts(rows, dryRun: dryRun)
            case .opportunities:
                let (rows, issues) = try ImportMapping.opportunities(table)
                job.errors = issues
                try await job.opportunities(rows, stages: try await stages.all(db), dryRun: dryRun)
            }
        } catch let error as ImportFileError {
            throw APIError(.unprocessableContent, code: "missing-column", title: "A required column is missing",
                           detail: error.message, errors: error.missingColumns.map { FieldError($0, error.message) })
        }
        let report = job.report(dryRun: dryRun)
        if !dryRun && !report.errors.isEmpty { throw ImportRefused(report: report) }
        // After a large load the planner's statistics are stale until autovacuum
        // catches up; reports on the new rows would pick poor plans meanwhile.
        if !dryRun && report.created + report.updated > 10_000 {
            let table = switch kind { case .accounts: "accounts"; case .contacts: "contacts"; case .opportunities: "opportunities" }
            try await db.execute(unsafeSQL: "ANALYZE \(table); ANALYZE opportunity_team; ANALYZE audit_log")
        }
        return report
    }
}

/// One import in progress, inside the caller's transaction.
private struct ImportJob {
    let db: Connection
    let kind: ImportKind
    let header: [String]
    let rows: Int
    let caller: Caller
    let today: CalendarDate
    var errors: [ImportIssue] = []
    var warnings: [ImportIssue] = []
    var created = 0
    var updated = 0

    init(db: Connection, kind: ImportKind, header: [String], rows: Int, caller: Caller, today: CalendarDate) {
        self.db = db
        self.kind = kind
        self.header = header
        self.rows = rows
        self.caller = caller
        self.today = today
    }

    func report(dryRun: Bool) -> ImportReport {
        let badLines = Set(errors.map(\.line))
        return ImportReport(
            kind: kind.rawValue, dryRun: dryRun, rows: rows, valid: rows - badLines.count, created: created, updated: updated,
            errors: errors.sorted { ($0.line, $0.field) < ($1.line, $1.field) },
            warnings: warnings.sorted { ($0.line, $0.field) < ($1.line, $1.field) })
    }

    func name(_ reference: ImportReference) -> String { reference.header(kind, in: header) }

    var visibleAccount: Query { Scope.accountOf(caller, column: "id") }

    // MARK: Owners

    /// People named by email (or by name) in the file; one that matches nobody in
    /// the caller's line leaves the record with the caller, and says so.
    mutating func owners(_ refs: [(line: Int, ref: String?)]) async throws -> [Int: Int64] {
        let distinct = Array(Set(refs.compactMap { $0.ref?.trimmed }.filter { !$0.isEmpty }))
        var byRef: [String: Int64] = [:]
        if !distinct.isEmpty {
            let rows = try await db.query("""
                SELECT r.ref, (SELECT u.id FROM users u
                               WHERE u.active AND (lower(u.email) = lower(r.ref) OR lower(u.name) = lower(r.ref))
                                 AND \(UserStore.scope(caller))
                               ORDER BY lower(u.email) = lower(r.ref) DESC, u.id LIMIT 1) AS id
                FROM unnest(\(distinct)::text[]) AS r(ref)
                """)
            for row in rows {
                if let id = try row.decode("id", as: Int64?.self) { byRef[try row.decode("ref")] = id }
            }
        }
        var result: [Int: Int64] = [:]
        for (line, ref) in refs {
            // No owner named: a new record gets the importer, an existing one keeps its owner.
            guard let ref = ref?.trimmed, !ref.isEmpty else { continue }
            if let id = byRef[ref] {
                result[line] = id
            } else {
                result[line] = caller.id
                warnings.append(ImportIssue(line: line, field: name(.owner),
                    message: "Owner \(ref) matches no active person in your reporting line by email or name; you are the owner instead"))
            }
        }
        return result
    }

    // MARK: Accounts

    mutating func accounts(_ rows: [AccountImportRow], dryRun: Bool) async throws {
        let owners = try await owners(rows.map { ($0.line, $0.ownerRef) })
        try await db.query("""
            CREATE TEMP TABLE staging (line int, external_id text, name text, domain text, industry text, owner_id bigint,
                parent_ref text, status text, street text, city text, region text, postal_code text, country text,
                target_id bigint, is_new boolean) ON COMMIT DROP
            """)
        var copy = CopyText()
        for r in rows {
            copy.row([String(r.line), r.externalId, r.name, r.domain, r.industry, owners[r.line].map(String.init),
                      r.parentExternalId, r.status, r.street, r.city, r.region, r.postalCode, r.country])
        }
        try await db.copyIn("""
            COPY staging (line, external_id, name, domain, industry, owner_id, parent_ref, status, street, city, region,
                          postal_code, country) FROM STDIN
            """, chunks: copy.finished())
        try await db.query("UPDATE staging SET target_id = resolve_account(external_id) WHERE external_id IS NOT NULL")
        try await db.query("UPDATE staging SET is_new = target_id IS NULL")
        for row in try await db.query("""
            SELECT line FROM staging WHERE target_id IS NOT NULL AND target_id NOT IN (SELECT id FROM accounts WHERE \(visibleAccount))
            """) {
            errors.append(ImportIssue(line: try row.decode("line"), field: name(.externalId),
                                      message: "This id belongs to an account you cannot see; leave the row out or ask its owner"))
        }
        for row in try await db.query("""
            SELECT s.line, s.parent_ref FROM staging s
            WHERE s.parent_ref IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM staging p WHERE p.external_id = s.parent_ref)
              AND resolve_account(s.parent_ref) IS NULL
            """) {
            errors.append(ImportIssue(line: try row.decode("line"), field: name(.parent),
                                      message: "Parent \(try row.decode("parent_ref", as: String.self)) is neither in this file nor in Baton"))
        }
        guard errors.isEmpty, !dryRun else { return }

        try await db.query("""
            CREATE TEMP TABLE import_before ON COMMIT DROP AS
            SELECT a.* FROM accounts a JOIN staging s ON s.target_id = a.id
            """)
        try await db.query("UPDATE staging SET target_id = nextval(pg_get_serial_sequence('accounts', 'id')) WHERE is_new")
        // An empty cell leaves what Baton has: a partial file never erases data.
        updated = try await db.query("""
            UPDATE accounts a SET name = s.name, domain = coalesce(s.domain, a.domain), industry = coalesce(s.industry, a.industry),
                owner_id = coalesce(s.owner_id, a.owner_id), status = coalesce(s.status, a.status), street = coalesce(s.street, a.street),
                city = coalesce(s.city, a.city), region = coalesce(s.region, a.region),
                postal_code = coalesce(s.postal_code, a.postal_code), country = coalesce(s.country, a.country),
                version = a.version + 1, updated_at = now()
            FROM staging s WHERE s.target_id = a.id AND NOT s.is_new
            """).affectedRows
        created = try await db.query("""
            INSERT INTO accounts (id, name, domain, industry, owner_id, status, street, city, region, postal_code, country, external_id)
            OVERRIDING SYSTEM VALUE
            SELECT target_id, name, domain, industry, coalesce(owner_id, \(caller.id)), coalesce(status, 'active'), street, city,
                   region, postal_code, country, external_id
            FROM staging WHERE is_new
            """).affectedRows
        try await db.query("""
            UPDATE accounts a
            SET parent_id = coalesce((SELECT p.target_id FROM staging p WHERE p.external_id = s.parent_ref LIMIT 1),
                                     resolve_account(s.parent_ref))
            FROM staging s WHERE s.target_id = a.id AND s.parent_ref IS NOT NULL
            """)
        try await audit(entity: "account", table: "accounts")
    }

    // MARK: Contacts

    mutating func contacts(_ rows: [ContactImportRow], dryRun: Bool) async throws {
        try await db.query("""
            CREATE TEMP TABLE staging (line int, external_id text, account_ref text, name text, email text, phone text,
                title text, buying_role text, do_not_contact boolean, account_id bigint, target_id bigint, is_new boolean)
                ON COMMIT DROP
            """)
        var copy = CopyText()
        for r in rows {
            copy.row([String(r.line), r.externalId, r.accountExternalId, r.name, r.email, r.phone, r.title, r.buyingRole,
                      r.doNotContact ? "t" : "f"])
        }
        try await db.copyIn("""
            COPY staging (line, external_id, account_ref, name, email, phone, title, buying_role, do_not_contact) FROM STDIN
            """, chunks: copy.finished())
        try await db.query("""
            UPDATE staging SET account_id = resolve_account(account_ref),
                               target_id = CASE WHEN external_id IS NOT NULL THEN resolve_contact(external_id) END
            """)
        try await db.query("UPDATE staging SET is_new = target_id IS NULL")
        try await accountIssues()
        for row in try await db.query("""
            SELECT s.line, c.id, c.name FROM staging s
            JOIN contacts c ON c.account_id = s.account_id AND lower(c.email) = lower(s.email) AND c.archived_at IS NULL
            WHERE s.email IS NOT NULL AND c.id IS DISTINCT FROM s.target_id
            """) {
            errors.append(ImportIssue(line: try row.decode("line"), field: "email",
                message: "\(try row.decode("name", as: String.self)) (contact \(try row.decode("id", as: Int64.self))) already has this email at this account"))
        }
        for row in try await db.query("""
            SELECT s.line FROM staging s
            WHERE s.email IS NOT NULL AND EXISTS (
                SELECT 1 FROM staging o WHERE o.account_id = s.account_id AND lower(o.email) = lower(s.email) AND o.line < s.line)
            """) {
            errors.append(ImportIssue(line: try row.decode("line"), field: "email", message: "An earlier row has this email at the same account"))
        }
        guard errors.isEmpty, !dryRun else { return }

        try await db.query("""
            CREATE TEMP TABLE import_before ON COMMIT DROP AS SELECT c.* FROM contacts c JOIN staging s ON s.target_id = c.id
            """)
        try await db.query("UPDATE staging SET target_id = nextval(pg_get_serial_sequence('contacts', 'id')) WHERE is_new")
        updated = try await db.query("""
            UPDATE contacts c SET account_id = s.account_id, name = s.name, email = coalesce(s.email, c.email),
                phone = coalesce(s.phone, c.phone), title = coalesce(s.title, c.title),
                buying_role = coalesce(s.buying_role, c.buying_role), do_not_contact = s.do_not_contact OR c.do_not_contact,
                version = c.version + 1, updated_at = now()
            FROM staging s WHERE s.target_id = c.id AND NOT s.is_new
            """).affectedRows
        created = try await db.query("""
            INSERT INTO contacts (id, account_id, name, email, phone, title, buying_role, do_not_contact, external_id)
            OVERRIDING SYSTEM VALUE
            SELECT target_id, account_id, name, email, phone, title, buying_role, do_not_contact, external_id
            FROM staging WHERE is_new
            """).affectedRows
        try await audit(entity: "contact", table: "contacts")
    }

    /// Rows whose account is missing, unknown or out of the caller's sight.
    mutating func accountIssues() async throws {
        for row in try await db.query("""
            SELECT line, account_ref, account_id,
                   account_id IN (SELECT id FROM accounts WHERE \(visibleAccount)) AS visible
            FROM staging WHERE account_id IS NULL OR account_id NOT IN (SELECT id FROM accounts WHERE \(visibleAccount))
            """) {
            let line: Int = try row.decode("line")
            let ref: String? = try row.decode("account_ref")
            let message: String
            if let ref {
                message = try row.decode("account_id", as: Int64?.self) == nil
                    ? "Account \(ref) is not in Baton; import the accounts file first"
                    : "Account \(ref) is not one you can see"
            } else {
                message = "Account is required: give the account's id from the accounts file"
            }
            errors.append(ImportIssue(line: line, field: name(.account), message: message))
        }
    }

    // MARK: Opportunities

    mutating func opportunities(_ rows: [OpportunityImportRow], stages: [StageRecord], dryRun: Bool) async throws {
        var stageByRef: [String: StageRecord] = [:]
        for stage in stages {
            stageByRef[stage.key] = stage
            stageByRef[StageAliases.normalise(stage.name)] = stage
        }
        let owners = try await owners(rows.map { ($0.line, $0.ownerRef) })
        try await db.query("""
            CREATE TEMP TABLE staging (line int, external_id text, account_ref text, name text, kind text, stage_key text,
                amount numeric(14, 2), close_date date, owner_id bigint, next_step text, source text, probability numeric(5, 2),
                forecast_category text, closed_on date, lost_reason text, account_id bigint, target_id bigint, is_new boolean,
                old_stage text, old_owner bigint) ON COMMIT DROP
            """)
        var copy = CopyText()
        for r in rows {
            var stage: StageRecord?
            if let ref = r.stageRef {
                stage = stageByRef[ref] ?? stageByRef[StageAliases.normalise(ref)]
                if stage == nil {
                    errors.append(ImportIssue(line: r.line, field: name(.stage),
                        message: "Stage \(ref) is not one of Baton's stages (\(stages.map(\.name).joined(separator: ", ")))"))
                }
            } else {
                errors.append(ImportIssue(line: r.line, field: name(.stage), message: "Stage must not be empty"))
            }
            guard let closeDate = r.closeDate else {
                errors.append(ImportIssue(line: r.line, field: name(.closeDate), message: "Close date is required, like 2026-12-15"))
                continue
            }
            guard let stage else { continue }
            var closedOn: CalendarDate?
            var lostReason = r.lostReason
            if stage.isWon || stage.isLost {
                // Imported closed deals take their close date as the date of record.
                closedOn = closeDate
                if closeDate > today {
                    errors.append(ImportIssue(line: r.line, field: name(.closeDate),
                        message: "A won or lost opportunity's close date cannot be in the future (today is \(today))"))
                }
                if stage.isLost, (lostReason ?? "").isEmpty { lostReason = "not given in the import" }
            }
            let probability = r.probability.flatMap { $0 == stage.probability.value ? nil : $0 }
            let category = r.forecastCategory.flatMap { $0 == stage.forecastCategory.rawValue ? nil : $0 }
            copy.row([String(r.line), r.externalId, r.accountExternalId, r.name, r.kind, stage.key,
                      r.amount?.plainText, closeDate.description, owners[r.line].map(String.init), r.nextStep, r.source,
                      probability?.plainText, category, closedOn?.description, stage.isLost ? lostReason : nil])
        }
        try await db.copyIn("""
            COPY staging (line, external_id, account_ref, name, kind, stage_key, amount, close_date, owner_id, next_step, source,
                          probability, forecast_category, closed_on, lost_reason) FROM STDIN
            """, chunks: copy.finished())
        try await db.query("""
            UPDATE staging SET account_id = resolve_account(account_ref),
                               target_id = CASE WHEN external_id IS NOT NULL THEN resolve_opportunity(external_id) END
            """)
        try await db.query("""
            UPDATE staging s SET old_stage = o.stage_key, old_owner = o.owner_id FROM opportunities o WHERE o.id = s.target_id
            """)
        try await db.query("UPDATE staging SET is_new = target_id IS NULL")
        try await accountIssues()
        // A won order that became a project stays won, as it does through the API.
        for row in try await db.query("""
            SELECT s.line, j.id FROM staging s JOIN projects j ON j.opportunity_id = s.target_id
            JOIN pipeline_stages p ON p.key = s.stage_key WHERE NOT p.is_won
            """) {
            errors.append(ImportIssue(line: try row.decode("line"), field: name(.stage),
                message: "This opportunity became project \(try row.decode("id", as: Int64.self)); it stays won"))
        }
        guard errors.isEmpty, !dryRun else { return }

        try await db.query("""
            CREATE TEMP TABLE import_before ON COMMIT DROP AS SELECT o.* FROM opportunities o JOIN staging s ON s.target_id = o.id
            """)
        try await db.query("UPDATE staging SET target_id = nextval(pg_get_serial_sequence('opportunities', 'id')) WHERE is_new")
        updated = try await db.query("""
            UPDATE opportunities o SET account_id = s.account_id, name = s.name, kind = coalesce(s.kind, o.kind), stage_key = s.stage_key,
                amount = coalesce(s.amount, o.amount), close_date = s.close_date, owner_id = coalesce(s.owner_id, o.owner_id),
                probability_override = CASE WHEN o.stage_key = s.stage_key THEN coalesce(s.probability, o.probability_override) ELSE s.probability END,
                forecast_category_override = CASE WHEN o.stage_key = s.stage_key THEN coalesce(s.forecast_category, o.forecast_category_override)
                                                  ELSE s.forecast_category END,
                next_step = coalesce(s.next_step, o.next_step), source = coalesce(s.source, o.source),
                closed_on = s.closed_on, lost_reason = coalesce(s.lost_reason, CASE WHEN s.closed_on IS NOT NULL THEN o.lost_reason END),
                stage_entered_at = CASE WHEN o.stage_key = s.stage_key THEN o.stage_entered_at ELSE now() END,
                version = o.version + 1, updated_at = now()
            FROM staging s WHERE s.target_id = o.id AND NOT s.is_new
            """).affectedRows
        created = try await db.query("""
            INSERT INTO opportunities (id, account_id, name, kind, stage_key, amount, close_date, owner_id, probability_override,
                                       forecast_category_override, next_step, source, closed_on, lost_reason, external_id)
            OVERRIDING SYSTEM VALUE
            SELECT target_id, account_id, name, coalesce(kind, 'new_business'), stage_key, coalesce(amount, 0), close_date,
                   coalesce(owner_id, \(caller.id)), probability, forecast_category, next_step, source, closed_on, lost_reason, external_id
            FROM staging WHERE is_new
            """).affectedRows
        // A new owner takes the whole credit, as a new opportunity's owner does.
        try await db.query("""
            DELETE FROM opportunity_team t USING staging s
            WHERE t.opportunity_id = s.target_id AND NOT s.is_new AND s.owner_id IS NOT NULL AND s.old_owner IS DISTINCT FROM s.owner_id
            """)
        try await db.query("""
            INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
            SELECT s.target_id, coalesce(s.owner_id, \(caller.id)), 'owner', 100 FROM staging s
            WHERE s.is_new OR (s.owner_id IS NOT NULL AND s.old_owner IS DISTINCT FROM s.owner_id)
            """)
        try await db.query("""
            INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_by, amount, close_date,
                                                   probability, forecast_category)
            SELECT s.target_id, s.old_stage, s.stage_key, \(caller.id), coalesce(s.amount, o.amount), s.close_date,
                   CASE WHEN p.is_won OR p.is_lost THEN p.probability ELSE coalesce(s.probability, p.probability) END,
                   CASE WHEN p.is_won OR p.is_lost THEN p.forecast_category ELSE coalesce(s.forecast_category, p.forecast_category) END
            FROM staging s JOIN pipeline_stages p ON p.key = s.stage_key JOIN opportunities o ON o.id = s.target_id
            WHERE s.is_new OR s.old_stage IS DISTINCT FROM s.stage_key
            """)
        try await audit(entity: "opportunity", table: "opportunities")
    }

    /// One audit entry per record created, and per record whose fields changed.
    func audit(entity: String, table: String) async throws {
        try await db.query("""
            INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
            SELECT \(caller.id), \(entity), r.id, CASE WHEN s.is_new THEN 'create' ELSE 'update' END,
                   audit_diff(to_jsonb(b), to_jsonb(r))
            FROM staging s JOIN \(unsafeSQL: table) r ON r.id = s.target_id
            LEFT JOIN import_before b ON b.id = r.id
            WHERE s.is_new OR audit_diff(to_jsonb(b), to_jsonb(r)) <> '{}'
            """)
    }
}

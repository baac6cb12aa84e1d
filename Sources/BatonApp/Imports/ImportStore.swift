import BatonCore
import Dates
import Foundation
import HTTPTypes
import NIOCore
import Postgres

/// What an import did, or would do: rows read, rows valid, records created and
/// updated, its problems with their lines, and warnings that did not stop it.
struct ImportReport: Codable, Sendable {
    var kind: String
    var dryRun: Bool
    var rows, valid, created, updated: Int
    /// Rows that name a record which already holds everything they say: nothing is written.
    var unchanged: Int
    /// Account rows without a known id that match an account by domain or name (they
    /// update it instead of adding a second one); each is also a warning on its line.
    var matched: Int
    /// The first `ImportStore.listedIssues` errors and warnings, by line; the counts say how many there are.
    var errors, warnings: [ImportIssue]
    var errorCount, warningCount: Int
    /// Each value of a choice column (kind, stage, buying role…) that is none of the
    /// accepted ones, with those and how many rows have it: what a `mapping` maps.
    var unmapped: [UnmappedValue]
}

/// Thrown by a real import that found problems: nothing was stored, and the
/// report says why.
struct ImportRefused: Error {
    let report: ImportReport
}

/// CSV imports of accounts, contacts and opportunities, streamed and set-based:
/// the file is read as it arrives, each record checked in Swift, and the rows sent
/// with COPY into a staging table a batch at a time, so that memory stays the same
/// whatever the file's size. They are then checked again against the database
/// there, every problem kept in a table too, and written with a few statements. A
/// dry run stops before writing; a real import is all or nothing; re-importing a
/// file updates the records its ids name instead of adding new ones.
struct ImportStore: Sendable {
    let stages: StageStore

    /// Rows sent to the staging table at a time.
    static let batchRows = 2_000
    /// Problems listed in a report (each list); the counts say how many there are in all.
    static let listedIssues = 1_000

    /// An import of a file already in memory (tests, small files).
    func run(_ db: Connection, kind: ImportKind, data: Data, mapping: ImportValueMapping = .none, dryRun: Bool, caller: Caller,
             today: CalendarDate) async throws -> ImportReport {
        try await run(db, kind: kind, body: DataChunks(data: data), maximumBytes: nil, mapping: mapping, dryRun: dryRun,
                      caller: caller, today: today)
    }

    /// An import of a file on disk, read a piece at a time (`baton import`).
    func run(_ db: Connection, kind: ImportKind, file: URL, mapping: ImportValueMapping = .none, dryRun: Bool, caller: Caller,
             today: CalendarDate) async throws -> ImportReport {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        return try await run(db, kind: kind, body: FileChunks(handle: handle), maximumBytes: nil, mapping: mapping, dryRun: dryRun,
                             caller: caller, today: today)
    }

    /// An import of a file as it arrives: `body` is read once, to its end or to the
    /// first problem that stops the file. More than `maximumBytes` is a 413.
    func run<Body: AsyncSequence>(
        _ db: Connection, kind: ImportKind, body: Body, maximumBytes: Int?, mapping: ImportValueMapping = .none, dryRun: Bool,
        caller: Caller, today: CalendarDate
    ) async throws -> ImportReport where Body.Element == ByteBuffer {
        var reader = CSVReader()
        var job: ImportJob?
        var received = 0
        do {
            for try await buffer in body {
                received += buffer.readableBytes
                if let maximumBytes, received > maximumBytes { throw Self.tooLarge(maximumBytes) }
                let records = try buffer.withUnsafeReadableBytes { try reader.read($0) }
                if job == nil, let header = reader.header {
                    job = try await ImportJob.start(db: db, kind: kind, header: header, mapping: mapping, caller: caller, today: today,
                                                   stages: stages)
                }
                try await job?.add(records)
            }
            let last = try reader.finish()
            if job == nil, let header = reader.header {
                job = try await ImportJob.start(db: db, kind: kind, header: header, mapping: mapping, caller: caller, today: today,
                                                   stages: stages)
            }
            try await job?.add(last)
        } catch {
            // A batch may still be on its way to the staging table: the connection is
            // free for the caller's rollback only once it has arrived or failed.
            await job?.settle()
            switch error {
            case let error as CSVError:
                throw APIError(.unprocessableContent, code: "unreadable-file", title: "The file could not be read",
                               detail: error.description, errors: [FieldError(error.line.map { "line \($0)" } ?? "file", error.message)])
            case let error as ImportFileError:
                throw APIError(.unprocessableContent, code: "missing-column", title: "A required column is missing",
                               detail: error.message, errors: error.missingColumns.map { FieldError($0, error.message) })
            default:
                throw error
            }
        }
        // `finish` refuses a file without a header, so there is a job here.
        guard var job else { throw APIError(.unprocessableContent, code: "unreadable-file", title: "The file could not be read",
                                            detail: "The file is empty; its first line must name the columns") }
        try await job.flush()
        try await job.sent()
        // One import of a kind at a time from here on: concurrent imports of one file
        // make no duplicates. Taken after the file is read, so that a slow upload
        // does not hold up everyone else's.
        try await db.query("SELECT pg_advisory_xact_lock(hashtext('baton import ' || \(kind.rawValue)))")
        try await job.apply(dryRun: dryRun)
        let report = try await job.report(dryRun: dryRun)
        if !dryRun && report.errorCount > 0 { throw ImportRefused(report: report) }
        if !dryRun { try await Self.analyzeIfStale(db, kind: kind, written: report.created + report.updated) }
        return report
    }

    /// After a load that the planner's statistics do not describe (a first import into an
    /// empty table: 1,000,000 deals planned as 300 made the attainment report read
    /// 47,577 rows), the tables it grew are analyzed before reports read them. A load
    /// of less than half the rows the statistics counted is left to autovacuum, which
    /// analyzes a table once a tenth of it changed: until then the planner scales the old
    /// statistics to the table's size, and the new rows are at most a third of it.
    /// (ANALYZE of the three tables took 1.1-2.7 s after 200,000 deals at a million.)
    ///
    /// The same rule holds for the tables visibility reads, which the triggers keep
    /// (`visibilityTables`), but their change is not the file's: it is counted as the rows
    /// this transaction inserted into them and deleted from them.
    static func analyzeIfStale(_ db: Connection, kind: ImportKind, written: Int) async throws {
        guard written > 10_000 else { return }
        let tables = switch kind {
        case .accounts: ["accounts", "audit_log"]
        case .contacts: ["contacts", "audit_log"]
        case .opportunities: ["opportunities", "opportunity_team", "audit_log"]
        }
        let kept = kind == .contacts ? [] : visibilityTables
        let stale = try await db.query("""
            SELECT relname FROM pg_class
            WHERE oid = ANY (string_to_array(\(tables.joined(separator: ",")), ',')::regclass[])
              AND (reltuples < 0 OR reltuples < 2 * \(written))
            UNION
            SELECT relname FROM (
                SELECT relname, reltuples, pg_stat_get_xact_tuples_inserted(oid) + pg_stat_get_xact_tuples_deleted(oid) AS changed
                FROM pg_class WHERE oid = ANY (string_to_array(\(kept.joined(separator: ",")), ',')::regclass[])) k
            WHERE changed > 0 AND (reltuples < 0 OR reltuples < 2 * changed)
            ORDER BY relname
            """).map { try $0.decode("relname", as: String.self) }
        guard !stale.isEmpty else { return }
        try await db.execute(unsafeSQL: stale.map { "ANALYZE \($0)" }.joined(separator: "; "))
    }

    /// Who sees which account (sql/0046), which every non-admin read's row-level security
    /// looks up, and the deal-team counts it is kept from. An import grows them by far more
    /// than its own rows, and the same statement that writes the records grows them: 200,000
    /// deals of 60 account managers over 10,000 accounts took account_viewers from 62,380
    /// rows to 302,409 and account_team_members from 23,500 to 190,849, while their
    /// statistics still counted the old rows (`docs/performance.md`, ninth stop).
    static let visibilityTables = ["account_team_members", "account_viewers"]

    static func tooLarge(_ maximumBytes: Int) -> APIError {
        let megabytes = maximumBytes >> 20
        return APIError(.contentTooLarge, code: "file-too-large", title: "File too large",
                        detail: "Import files may be at most \(megabytes) MB (IMPORT_MAX_MB); split the file and import the parts.")
    }
}

/// A file in memory as a stream of 1 MiB pieces.
struct DataChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let data: Data

    struct AsyncIterator: AsyncIteratorProtocol {
        let data: Data
        var offset: Int

        mutating func next() async -> ByteBuffer? {
            guard offset < data.endIndex else { return nil }
            let end = Swift.min(offset + (1 << 20), data.endIndex)
            defer { offset = end }
            return ByteBuffer(bytes: data[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(data: data, offset: data.startIndex) }
}

/// A file on disk as a stream of 1 MiB pieces.
struct FileChunks: AsyncSequence {
    typealias Element = ByteBuffer
    let handle: FileHandle

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle

        mutating func next() async throws -> ByteBuffer? {
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else { return nil }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}

/// Makes rows of the file's kind from its records.
private enum Mapper {
    case accounts(ImportRowMapper<AccountImportRow>)
    case contacts(ImportRowMapper<ContactImportRow>)
    case opportunities(ImportRowMapper<OpportunityImportRow>, stages: [String: StageRecord], keys: [String])

    var idHeader: String? {
        switch self {
        case .accounts(let m): m.idHeader
        case .contacts(let m): m.idHeader
        case .opportunities(let m, _, _): m.idHeader
        }
    }

    var fileWarnings: [ImportIssue] {
        switch self {
        case .accounts(let m): m.fileWarnings
        case .contacts(let m): m.fileWarnings
        case .opportunities(let m, _, _): m.fileWarnings
        }
    }
}

/// One import in progress, inside the caller's transaction. Its problems go to the
/// temporary table `import_issues` as they are found, not to a list in memory.
private struct ImportJob {
    let db: Connection
    let kind: ImportKind
    let header: [String]
    let caller: Caller
    let today: CalendarDate
    let mapper: Mapper
    var rows = 0, created = 0, updated = 0, unchanged = 0, matched = 0
    /// Distinct unknown choice values, by column and value; at most `unmappedLimit` of them.
    private var unmapped: [String: UnmappedValue] = [:]
    private var unmappedOrder: [String] = []
    static let unmappedLimit = 200
    private var staged = CopyText()
    private var issues = CopyText()
    private var ids = CopyText()
    /// The batch on its way to the staging tables (`flush`).
    private var sending: Task<Void, any Error>?

    static func start(db: Connection, kind: ImportKind, header: [String], mapping: ImportValueMapping, caller: Caller,
                      today: CalendarDate, stages: StageStore) async throws -> ImportJob {
        let mapper: Mapper
        switch kind {
        case .accounts: mapper = .accounts(try ImportMapping.accountMapper(header: header, mapping: mapping))
        case .contacts: mapper = .contacts(try ImportMapping.contactMapper(header: header, mapping: mapping))
        case .opportunities:
            let m = try ImportMapping.opportunityMapper(header: header, mapping: mapping)
            let all = try await stages.all(db)
            var byRef: [String: StageRecord] = [:]
            for stage in all {
                byRef[stage.key] = stage
                byRef[StageAliases.normalise(stage.name)] = stage
            }
            mapper = .opportunities(m, stages: byRef, keys: all.map(\.key))
        }
        var job = ImportJob(db: db, kind: kind, header: header, caller: caller, today: today, mapper: mapper)
        try await job.createTables()
        for warning in mapper.fileWarnings {
            job.issues.row([String(warning.line), warning.field, warning.message, "t"])
        }
        return job
    }

    func name(_ reference: ImportReference) -> String { reference.header(kind, in: header) }

    var visibleAccount: Query { Scope.accountOf(caller, column: "id") }

    var noun: String {
        switch kind { case .accounts: "account"; case .contacts: "contact"; case .opportunities: "opportunity" }
    }

    var table: String {
        switch kind { case .accounts: "accounts"; case .contacts: "contacts"; case .opportunities: "opportunities" }
    }

    // MARK: Loading

    func createTables() async throws {
        try await db.query("""
            CREATE TEMP TABLE import_issues (line int NOT NULL, field text NOT NULL, message text NOT NULL,
                warning boolean NOT NULL DEFAULT false) ON COMMIT DROP
            """)
        // Every row's own id, good row or bad, to find the ids a file repeats.
        try await db.query("CREATE TEMP TABLE import_ids (line int NOT NULL, external_id text NOT NULL, written text) ON COMMIT DROP")
        switch kind {
        case .accounts:
            try await db.query("""
                CREATE TEMP TABLE staging (line int, external_id text, name text, domain text, industry text, owner_ref text,
                    owner_id bigint, parent_ref text, status text, street text, city text, region text, postal_code text,
                    country text, target_id bigint, is_new boolean, matched_by text) ON COMMIT DROP
                """)
        case .contacts:
            try await db.query("""
                CREATE TEMP TABLE staging (line int, external_id text, account_ref text, name text, email text, phone text,
                    title text, buying_role text, do_not_contact boolean, account_id bigint, target_id bigint, is_new boolean)
                    ON COMMIT DROP
                """)
        case .opportunities:
            try await db.query("""
                CREATE TEMP TABLE staging (line int, external_id text, account_ref text, name text, kind text, stage_key text,
                    amount numeric(14, 2), close_date date, owner_ref text, owner_id bigint, next_step text, source text,
                    probability numeric(5, 2), forecast_category text, closed_on date, lost_reason text, created_on date, is_lost boolean,
                    account_id bigint, target_id bigint, is_new boolean, old_stage text, old_owner bigint) ON COMMIT DROP
                """)
        }
    }

    private mutating func note<Row>(_ mapped: MappedRecord<Row>, line: Int) {
        if let id = mapped.externalID { ids.row([String(line), id, mapped.writtenID]) }
        for problem in mapped.issues { flag(problem) }
        for value in mapped.unmapped { noteUnmapped(value) }
    }

    private mutating func noteUnmapped(_ value: UnmappedValue) {
        let key = value.column + "\u{0}" + value.value
        if unmapped[key] != nil {
            unmapped[key]?.rows += 1
        } else if unmapped.count < Self.unmappedLimit {
            unmapped[key] = value
            unmappedOrder.append(key)
        }
    }

    private mutating func flag(_ problem: ImportIssue) {
        issues.row([String(problem.line), problem.field, problem.message, "f"])
    }

    /// Checks records and queues their rows, sending a batch when one is full.
    mutating func add(_ records: [CSVRecord]) async throws {
        for record in records {
            rows += 1
            switch mapper {
            case .accounts(let m):
                let mapped = m.map(record)
                note(mapped, line: record.line)
                if let r = mapped.row {
                    staged.row([String(r.line), r.externalId, r.name, r.domain, r.industry, r.ownerRef?.trimmed.nilIfEmpty,
                                r.parentExternalId, r.status, r.street, r.city, r.region, r.postalCode, r.country])
                }
            case .contacts(let m):
                let mapped = m.map(record)
                note(mapped, line: record.line)
                if let r = mapped.row {
                    staged.row([String(r.line), r.externalId, r.accountExternalId, r.name, r.email, r.phone, r.title,
                                r.buyingRole, r.doNotContact ? "t" : "f"])
                }
            case .opportunities(let m, let stages, let keys):
                let mapped = m.map(record)
                note(mapped, line: record.line)
                if let r = mapped.row { opportunity(r, stages: stages, keys: keys, written: m.written(record, column: name(.stage))) }
            }
            if staged.rows >= ImportStore.batchRows || issues.byteCount > 1 << 20 { try await flush() }
        }
    }

    private mutating func opportunity(_ r: OpportunityImportRow, stages: [String: StageRecord], keys: [String], written: String?) {
        var stage: StageRecord?
        if let ref = r.stageRef {
            stage = stages[ref] ?? stages[StageAliases.normalise(ref)]
            if stage == nil {
                let value = written ?? ref
                flag(ImportIssue(line: r.line, field: name(.stage), message: ImportMapping.unknownValueMessage("Stage", value, accepted: keys)))
                noteUnmapped(UnmappedValue(column: name(.stage), value: value, accepted: keys))
            }
        } else {
            flag(ImportIssue(line: r.line, field: name(.stage), message: "Stage must not be empty"))
        }
        guard let closeDate = r.closeDate else {
            flag(ImportIssue(line: r.line, field: name(.closeDate), message: "Close date is required, like 2026-12-15"))
            return
        }
        if let created = r.createdOn, created > today {
            flag(ImportIssue(line: r.line, field: name(.createdOn),
                             message: "The created date cannot be in the future (today is \(today))"))
        }
        guard let stage else { return }
        var closedOn: CalendarDate?
        var lostReason = r.lostReason
        if stage.isWon || stage.isLost {
            // The date of record is the won (or lost) date when the file gives it, as
            // our export does; a CRM's closed deal carries it as its close date.
            let given = stage.isWon ? r.wonOn : r.lostOn
            closedOn = given ?? closeDate
            if let given, given > today {
                flag(ImportIssue(line: r.line, field: name(stage.isWon ? .wonOn : .lostOn),
                    message: "The date an opportunity was \(stage.isWon ? "won" : "lost") cannot be in the future (today is \(today))"))
            } else if given == nil, closeDate > today {
                flag(ImportIssue(line: r.line, field: name(.closeDate),
                    message: "A won or lost opportunity's close date cannot be in the future (today is \(today))"))
            }
            // A lost deal without a reason keeps the one Baton has, or gets "not given
            // in the import" (in the write), so that a file without the column erases nothing.
            if (lostReason ?? "").isEmpty { lostReason = nil }
        }
        let probability = r.probability.flatMap { $0 == stage.probability.value ? nil : $0 }
        let category = r.forecastCategory.flatMap { $0 == stage.forecastCategory.rawValue ? nil : $0 }
        staged.row([String(r.line), r.externalId, r.accountExternalId, r.name, r.kind, stage.key,
                    r.amount?.plainText, closeDate.description, r.ownerRef?.trimmed.nilIfEmpty, r.nextStep, r.source,
                    probability?.plainText, category, closedOn?.description, stage.isLost ? lostReason : nil,
                    r.createdOn?.description, stage.isLost ? "t" : "f"])
    }

    /// Sends the queued rows, problems and ids to their tables, and returns while they
    /// go: PostgreSQL stores one batch while the next is read and checked here, on the
    /// machine's other core, instead of each side waiting for the other. `sent()` waits
    /// for the batch on its way; the connection may be used again only after it.
    mutating func flush() async throws {
        try await sent()
        var copies: [(Query, [String])] = []
        if staged.rows > 0 {
            let columns = switch kind {
            case .accounts:
                "line, external_id, name, domain, industry, owner_ref, parent_ref, status, street, city, region, postal_code, country"
            case .contacts:
                "line, external_id, account_ref, name, email, phone, title, buying_role, do_not_contact"
            case .opportunities:
                "line, external_id, account_ref, name, kind, stage_key, amount, close_date, owner_ref, next_step, source, probability, forecast_category, closed_on, lost_reason, created_on, is_lost"
            }
            copies.append((Query(unsafeSQL: "COPY staging (\(columns)) FROM STDIN"), staged.take()))
        }
        if issues.rows > 0 {
            copies.append(("COPY import_issues (line, field, message, warning) FROM STDIN", issues.take()))
        }
        if ids.rows > 0 {
            copies.append(("COPY import_ids (line, external_id, written) FROM STDIN", ids.take()))
        }
        guard !copies.isEmpty else { return }
        let db = self.db
        sending = Task {
            for (statement, chunks) in copies { _ = try await db.copyIn(statement, chunks: chunks) }
        }
    }

    /// Waits for the batch `flush` sent, and throws its error if it failed.
    mutating func sent() async throws {
        guard let batch = sending else { return }
        sending = nil
        try await batch.value
    }

    /// As `sent`, when the import already failed for another reason, which is the one to report.
    mutating func settle() async {
        _ = try? await sent()
    }

    // MARK: Checking and writing

    func hasErrors() async throws -> Bool {
        try await db.query("SELECT EXISTS (SELECT 1 FROM import_issues WHERE NOT warning) AS e").first?.decode("e", as: Bool.self) ?? false
    }

    mutating func apply(dryRun: Bool) async throws {
        try await repeatedIds()
        switch kind {
        case .accounts: try await accounts(dryRun: dryRun)
        case .contacts: try await contacts(dryRun: dryRun)
        case .opportunities: try await opportunities(dryRun: dryRun)
        }
    }

    /// An id on two rows would make the second silently overwrite the first: the
    /// later rows are refused, and left out of the checks that follow.
    func repeatedIds() async throws {
        let field = mapper.idHeader ?? name(.externalId)
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT i.line, \(field), 'External Id ' || coalesce(i.written, i.external_id) || ' is also on line ' || f.first
                                     || '; keep one row per record'
            FROM import_ids i JOIN (SELECT external_id, min(line) AS first FROM import_ids GROUP BY external_id HAVING count(*) > 1) f
                 USING (external_id)
            WHERE i.line > f.first
            """)
        try await db.query("DELETE FROM staging WHERE line IN (SELECT line FROM import_issues WHERE NOT warning)")
    }

    /// People named by email (or by name) in the file, in `import_owners` (each name
    /// once, however many rows give it; the kind's resolving statement joins it); one
    /// that matches nobody in the caller's line leaves the record with the caller, and says so.
    func owners() async throws {
        try await db.query("""
            CREATE TEMP TABLE import_owners ON COMMIT DROP AS
            SELECT d.ref, (SELECT u.id FROM users u
                           WHERE u.active AND (lower(u.email) = lower(d.ref) OR lower(u.name) = lower(d.ref))
                             AND \(UserStore.scope(caller))
                           ORDER BY lower(u.email) = lower(d.ref) DESC, u.id LIMIT 1) AS id
            FROM (SELECT DISTINCT owner_ref AS ref FROM staging WHERE owner_ref IS NOT NULL) d
            """)
        try await db.query("""
            INSERT INTO import_issues (line, field, message, warning)
            SELECT s.line, \(name(.owner)), 'Owner ' || s.owner_ref
                   || ' matches no active person in your reporting line by email or name; a new record is yours, '
                   || 'an existing one keeps its owner', true
            FROM staging s JOIN import_owners o ON o.ref = s.owner_ref WHERE o.id IS NULL
            """)
        // No owner matched (or named): a new record gets the importer (in the write), an
        // existing one keeps its owner, as a Salesforce `OwnerId` cannot name anyone here.
    }

    /// A row's own id must name a record the caller sees (a `baton:` id must name
    /// one at all), or be free for a new record. Every other case gets the same
    /// words, so that the answer does not tell whether someone else's record has it.
    /// `visibleTarget` is true for staged rows whose target the caller sees.
    func ownIdIssues(visibleTarget: Query) async throws {
        let suffix = ExternalIDRules.notUsable("", kind: noun)
        let field = mapper.idHeader ?? name(.externalId)
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT s.line, \(field), coalesce(i.written, s.external_id) || \(suffix)
            FROM staging s LEFT JOIN import_ids i ON i.line = s.line
            WHERE s.external_id IS NOT NULL
              AND ((s.target_id IS NULL AND s.external_id LIKE 'baton:%') OR (s.target_id IS NOT NULL AND NOT (\(visibleTarget))))
            """)
        // An id that a record the caller cannot see already has: row-level security
        // hid that record from `resolve_*`, and the insert would fail on the unique
        // external id, telling that the record exists. An admin's statements are not held
        // by row-level security (Middleware acts as baton_member only for others), so the
        // resolving pass already found every record: for an admin this would look up each
        // new row's id again (200,000 index look-ups at 200,000 rows) to find none.
        guard !caller.isAdmin else { return }
        _ = try await db.withoutRowSecurity {
            try await db.query("""
                INSERT INTO import_issues (line, field, message)
                SELECT s.line, \(field), coalesce(i.written, s.external_id) || \(suffix)
                FROM staging s LEFT JOIN import_ids i ON i.line = s.line
                WHERE s.is_new AND s.external_id IS NOT NULL AND s.external_id NOT LIKE 'baton:%'
                  AND EXISTS (SELECT 1 FROM \(unsafeSQL: table) r WHERE r.external_id = s.external_id)
                """)
        }
    }

    // MARK: Accounts

    mutating func accounts(dryRun: Bool) async throws {
        try await owners()
        try await db.query("""
            UPDATE staging s SET owner_id = w.id, target_id = coalesce(a.id, b.id)
            FROM staging r
            LEFT JOIN import_owners w ON w.ref = r.owner_ref
            LEFT JOIN accounts a ON a.external_id = r.external_id
            LEFT JOIN accounts b ON b.id = \(Self.batonID("r.external_id"))
            WHERE r.line = s.line
            """)
        try await matchAccounts()
        try await db.query("UPDATE staging SET is_new = target_id IS NULL")
        try await ownIdIssues(visibleTarget: "s.target_id IN (SELECT id FROM accounts WHERE \(visibleAccount))")
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT s.line, \(name(.parent)), 'Parent ' || s.parent_ref || ' is neither in this file nor an account you can see'
            FROM staging s
            WHERE s.parent_ref IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM staging p WHERE p.external_id = s.parent_ref)
              AND coalesce(resolve_account(s.parent_ref) IN (SELECT id FROM accounts WHERE \(visibleAccount)), false) = false
            """)
        guard try await !hasErrors(), !dryRun else { return }

        try await prepareWrite(into: "accounts")
        // New accounts first, so that an existing one may name a new one as its parent.
        created = try await db.query("""
            INSERT INTO accounts (id, name, domain, industry, owner_id, status, street, city, region, postal_code, country, external_id)
            OVERRIDING SYSTEM VALUE
            SELECT target_id, name, domain, industry, coalesce(owner_id, \(caller.id)), coalesce(status, 'active'), street, city,
                   region, postal_code, country, external_id
            FROM staging WHERE is_new
            """).affectedRows
        // An empty cell leaves what Baton has: a partial file never erases data. A row
        // that changes nothing writes nothing, so an export imported back keeps every
        // record's version (and ETag). A matched account takes the row's id if it has none.
        updated = try await db.query("""
            WITH n AS (
                SELECT a.id, s.name, coalesce(s.domain, a.domain) AS domain, coalesce(s.industry, a.industry) AS industry,
                       coalesce(s.owner_id, a.owner_id) AS owner_id, coalesce(s.status, a.status) AS status,
                       coalesce(s.street, a.street) AS street, coalesce(s.city, a.city) AS city,
                       coalesce(s.region, a.region) AS region, coalesce(s.postal_code, a.postal_code) AS postal_code,
                       coalesce(s.country, a.country) AS country,
                       coalesce(a.external_id, CASE WHEN s.external_id NOT LIKE 'baton:%' THEN s.external_id END) AS external_id,
                       CASE WHEN s.parent_ref IS NULL THEN a.parent_id
                            ELSE coalesce((SELECT p.target_id FROM staging p WHERE p.external_id = s.parent_ref LIMIT 1),
                                          resolve_account(s.parent_ref)) END AS parent_id
                FROM staging s JOIN accounts a ON a.id = s.target_id WHERE NOT s.is_new)
            UPDATE accounts a SET name = n.name, domain = n.domain, industry = n.industry, owner_id = n.owner_id, status = n.status,
                street = n.street, city = n.city, region = n.region, postal_code = n.postal_code, country = n.country,
                external_id = n.external_id, parent_id = n.parent_id, version = a.version + 1, updated_at = now()
            FROM n WHERE n.id = a.id
              AND (a.name, a.domain, a.industry, a.owner_id, a.status, a.street, a.city, a.region, a.postal_code, a.country, a.external_id,
                   a.parent_id)
                  IS DISTINCT FROM
                  (n.name, n.domain, n.industry, n.owner_id, n.status, n.street, n.city, n.region, n.postal_code, n.country, n.external_id,
                   n.parent_id)
            """).affectedRows
        try await db.query("""
            UPDATE accounts a
            SET parent_id = coalesce((SELECT p.target_id FROM staging p WHERE p.external_id = s.parent_ref LIMIT 1),
                                     resolve_account(s.parent_ref))
            FROM staging s WHERE s.target_id = a.id AND s.is_new AND s.parent_ref IS NOT NULL
            """)
        try await audit()
        try await countUnchanged()
    }

    /// Account rows without a known id are matched to an account the caller sees with
    /// the same domain, or, for a row without a domain, the same name ignoring case,
    /// spaces and punctuation, so that importing a firm's accounts again (from another
    /// CRM, or after entering some by hand) adds no second "Orca Marine Group". Each
    /// match is a warning, so the dry run shows it; two rows matching one account is an error.
    mutating func matchAccounts() async throws {
        let candidates = "s.target_id IS NULL AND (s.external_id IS NULL OR s.external_id NOT LIKE 'baton:%')"
        // Set-based: each account is read once, not once per row.
        try await db.query("""
            UPDATE staging s SET target_id = m.id, matched_by = 'domain'
            FROM (SELECT DISTINCT ON (lower(a.domain)) lower(a.domain) AS domain, a.id FROM accounts a
                  WHERE a.archived_at IS NULL AND \(Scope.accounts(caller, alias: "a"))
                    AND lower(a.domain) IN (SELECT lower(s.domain) FROM staging s WHERE \(unsafeSQL: candidates))
                  ORDER BY lower(a.domain), a.id) m
            WHERE \(unsafeSQL: candidates) AND s.domain IS NOT NULL AND lower(s.domain) = m.domain
            """)
        try await db.query("""
            UPDATE staging s SET target_id = m.id, matched_by = 'name'
            FROM (SELECT DISTINCT ON (account_name_key(a.name)) account_name_key(a.name) AS name_key, a.id FROM accounts a
                  WHERE a.archived_at IS NULL AND \(Scope.accounts(caller, alias: "a"))
                    AND account_name_key(a.name) IN (SELECT account_name_key(s.name) FROM staging s
                                                     WHERE \(unsafeSQL: candidates) AND s.domain IS NULL)
                  ORDER BY account_name_key(a.name), a.id) m
            WHERE \(unsafeSQL: candidates) AND s.domain IS NULL AND account_name_key(s.name) = m.name_key
            """)
        // A matched account takes the row's id only if no other record has it; a row
        // whose id another record (seen or not) has is left to the id checks instead.
        _ = try await db.withoutRowSecurity {
            try await db.query("""
                UPDATE staging s SET target_id = NULL, matched_by = NULL
                WHERE s.matched_by IS NOT NULL AND s.external_id IS NOT NULL
                  AND EXISTS (SELECT 1 FROM accounts a WHERE a.external_id = s.external_id)
                """)
        }
        matched = try await db.query("SELECT count(*) AS n FROM staging WHERE matched_by IS NOT NULL").first?.decode("n", as: Int.self) ?? 0
        guard matched > 0 else { return }
        try await db.query("""
            INSERT INTO import_issues (line, field, message, warning)
            SELECT s.line, CASE WHEN s.matched_by = 'domain' THEN \(name(.domain)) ELSE \(name(.accountName)) END,
                   'Matches account ' || a.id || ' (' || a.name || ') by ' || s.matched_by
                   || '; this row updates it instead of adding another', true
            FROM staging s JOIN accounts a ON a.id = s.target_id WHERE s.matched_by IS NOT NULL
            """)
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT s.line, \(name(.accountName)), 'Line ' || o.first || ' is the same account (' || s.matched_by
                   || '); keep one row per account'
            FROM staging s JOIN (SELECT target_id, min(line) AS first FROM staging WHERE target_id IS NOT NULL GROUP BY target_id) o
                 ON o.target_id = s.target_id
            WHERE s.line > o.first
            """)
    }

    /// Rows that named an existing record and changed nothing in it.
    mutating func countUnchanged() async throws {
        unchanged = try await db.query("SELECT count(*) AS n FROM staging WHERE NOT is_new").first?.decode("n", as: Int.self) ?? 0
        unchanged -= updated
    }

    // MARK: Contacts

    mutating func contacts(dryRun: Bool) async throws {
        try await db.query("""
            UPDATE staging s SET account_id = coalesce(a.id, ab.id), target_id = coalesce(c.id, cb.id), is_new = coalesce(c.id, cb.id) IS NULL
            FROM staging r
            LEFT JOIN accounts a ON a.external_id = r.account_ref
            LEFT JOIN accounts ab ON ab.id = \(Self.batonID("r.account_ref"))
            LEFT JOIN contacts c ON c.external_id = r.external_id
            LEFT JOIN contacts cb ON cb.id = \(Self.batonID("r.external_id"))
            WHERE r.line = s.line
            """)
        try await accountRecordIssues("contacts")
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT s.line, 'email', c.name || ' (contact ' || c.id || ') already has this email at this account'
            FROM staging s
            JOIN contacts c ON c.account_id = s.account_id AND lower(c.email) = lower(s.email) AND c.archived_at IS NULL
            WHERE s.email IS NOT NULL AND c.id IS DISTINCT FROM s.target_id
              AND s.account_id IN (SELECT id FROM accounts WHERE \(visibleAccount))
            """)
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT s.line, 'email', 'An earlier row has this email at the same account'
            FROM staging s
            WHERE s.email IS NOT NULL AND EXISTS (
                SELECT 1 FROM staging o WHERE o.account_id = s.account_id AND lower(o.email) = lower(s.email) AND o.line < s.line)
            """)
        guard try await !hasErrors(), !dryRun else { return }

        try await prepareWrite(into: "contacts")
        updated = try await db.query("""
            WITH n AS (
                SELECT c.id, s.account_id, s.name, coalesce(s.email, c.email) AS email, coalesce(s.phone, c.phone) AS phone,
                       coalesce(s.title, c.title) AS title, coalesce(s.buying_role, c.buying_role) AS buying_role,
                       s.do_not_contact OR c.do_not_contact AS do_not_contact
                FROM staging s JOIN contacts c ON c.id = s.target_id WHERE NOT s.is_new)
            UPDATE contacts c SET account_id = n.account_id, name = n.name, email = n.email, phone = n.phone, title = n.title,
                buying_role = n.buying_role, do_not_contact = n.do_not_contact, version = c.version + 1, updated_at = now()
            FROM n WHERE n.id = c.id
              AND (c.account_id, c.name, c.email, c.phone, c.title, c.buying_role, c.do_not_contact)
                  IS DISTINCT FROM (n.account_id, n.name, n.email, n.phone, n.title, n.buying_role, n.do_not_contact)
            """).affectedRows
        created = try await db.query("""
            INSERT INTO contacts (id, account_id, name, email, phone, title, buying_role, do_not_contact, external_id)
            OVERRIDING SYSTEM VALUE
            SELECT target_id, account_id, name, email, phone, title, buying_role, do_not_contact, external_id
            FROM staging WHERE is_new
            """).affectedRows
        try await audit()
        try await countUnchanged()
    }

    /// Before the rows are written to `table`: the rows they change, as they were (the
    /// audit trail compares against them), and, `numberingNew`, an id for each new row
    /// (for a write that refers to new rows before they exist).
    func prepareWrite(into table: StaticString, numberingNew: Bool = true) async throws {
        try await db.query("""
            CREATE TEMP TABLE import_before ON COMMIT DROP AS
            SELECT t.* FROM \(unsafeSQL: "\(table)") t JOIN staging s ON s.target_id = t.id
            """)
        guard numberingNew else { return }
        try await db.query("UPDATE staging SET target_id = nextval(pg_get_serial_sequence(\("\(table)"), 'id')) WHERE is_new")
    }

    /// The checks of a record kept under an account (a contact, an opportunity), once
    /// its rows are resolved: whether the file's own id may be used, and whether the account is one
    /// the caller sees.
    func accountRecordIssues(_ table: StaticString) async throws {
        try await ownIdIssues(visibleTarget: """
            EXISTS (SELECT 1 FROM \(unsafeSQL: "\(table)") t WHERE t.id = s.target_id AND \(Scope.accountOf(caller, column: "t.account_id")))
            """)
        try await accountIssues()
    }

    /// Rows whose account is missing, or not one the caller sees: one message for
    /// both, so that nobody learns which accounts exist beyond their sight.
    func accountIssues() async throws {
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT line, \(name(.account)),
                   CASE WHEN account_ref IS NULL THEN 'Account is required: give the account''s id from the accounts file'
                        ELSE 'Account ' || account_ref || ' is not in Baton or not one you can see; import the accounts file first' END
            FROM staging WHERE account_id IS NULL OR account_id NOT IN (SELECT id FROM accounts WHERE \(visibleAccount))
            """)
    }

    // MARK: Opportunities

    mutating func opportunities(dryRun: Bool) async throws {
        try await owners()
        // Owner, account and the record a row's own id names, with its stage and owner as
        // they are: one pass of joins over the staging table (a function call per row
        // and a pass per column took seconds at 200,000 rows). Each row's deal is one
        // look-up of an index (OFFSET 0 keeps the planner from turning them into joins):
        // as joins, PostgreSQL hashed every deal twice, the second time for a key that is
        // NULL on every row without a `baton:` id (2.7-4.2 s at 2 million deals; 1.5-2.5 s
        // as look-ups, the same rows resolved). The resolved rows are a new staging table
        // rather than an update of the old one: an update joined the table to itself to
        // find each row and left a dead version of every row for each later pass to read.
        try await db.query("""
            CREATE TEMP TABLE import_resolved ON COMMIT DROP AS
            SELECT r.line, r.external_id, r.account_ref, r.name, r.kind, r.stage_key, r.amount, r.close_date, r.owner_ref,
                   w.id AS owner_id, r.next_step, r.source, r.probability, r.forecast_category, r.closed_on, r.lost_reason,
                   r.created_on, r.is_lost, coalesce(a.id, ab.id) AS account_id, coalesce(o.id, ob.id) AS target_id,
                   coalesce(o.id, ob.id) IS NULL AS is_new, coalesce(o.stage_key, ob.stage_key) AS old_stage,
                   coalesce(o.owner_id, ob.owner_id) AS old_owner
            FROM staging r
            LEFT JOIN import_owners w ON w.ref = r.owner_ref
            LEFT JOIN accounts a ON a.external_id = r.account_ref
            LEFT JOIN accounts ab ON ab.id = \(Self.batonID("r.account_ref"))
            LEFT JOIN LATERAL (SELECT id, stage_key, owner_id FROM opportunities WHERE external_id = r.external_id OFFSET 0) o ON true
            LEFT JOIN LATERAL (SELECT id, stage_key, owner_id FROM opportunities WHERE id = \(Self.batonID("r.external_id")) OFFSET 0) ob
                ON true
            """)
        try await db.execute(unsafeSQL: "DROP TABLE staging; ALTER TABLE import_resolved RENAME TO staging")
        // The checks and writes that follow join the staging table again: planned for its
        // real size and its share of new rows, not a guess.
        try await db.query("ANALYZE staging")
        try await accountRecordIssues("opportunities")
        // A won order that became a project stays won, as it does through the API.
        try await db.query("""
            INSERT INTO import_issues (line, field, message)
            SELECT s.line, \(name(.stage)), 'This opportunity became project ' || j.id || '; it stays won'
            FROM staging s JOIN projects j ON j.opportunity_id = s.target_id
            JOIN pipeline_stages p ON p.key = s.stage_key WHERE NOT p.is_won
            """)
        guard try await !hasErrors(), !dryRun else { return }

        // A file of new deals only (the usual first import) skips the six statements
        // that write existing ones: each reads the whole staging table to find none.
        let existing = try await db.query("SELECT count(*) AS n FROM staging WHERE NOT is_new").first?.decode("n", as: Int.self) ?? 0
        if existing > 0 { try await updateOpportunities() }
        created = try await createOpportunities()
        try await activateBuyers()
        unchanged = existing - updated
    }

    /// The rows that name existing deals: each deal written, credited, staged and
    /// audited only where the row changes it.
    mutating func updateOpportunities() async throws {
        try await prepareWrite(into: "opportunities", numberingNew: false)
        // A created date moves `created_at` only when it names another day, so that a
        // round trip keeps the time of day.
        updated = try await db.query("""
            WITH n AS (
                SELECT o.id, s.account_id, s.name, coalesce(s.kind, o.kind) AS kind, s.stage_key,
                       coalesce(s.amount, o.amount) AS amount, s.close_date, coalesce(s.owner_id, o.owner_id) AS owner_id,
                       CASE WHEN o.stage_key = s.stage_key THEN coalesce(s.probability, o.probability_override)
                            ELSE s.probability END AS probability_override,
                       CASE WHEN o.stage_key = s.stage_key THEN coalesce(s.forecast_category, o.forecast_category_override)
                            ELSE s.forecast_category END AS forecast_category_override,
                       coalesce(s.next_step, o.next_step) AS next_step, coalesce(s.source, o.source) AS source, s.closed_on,
                       coalesce(s.lost_reason, CASE WHEN s.closed_on IS NOT NULL THEN o.lost_reason END,
                                CASE WHEN s.is_lost THEN 'not given in the import' END) AS lost_reason,
                       CASE WHEN s.created_on IS NULL OR s.created_on = o.created_at::date THEN o.created_at
                            ELSE s.created_on::timestamptz END AS created_at
                FROM staging s JOIN opportunities o ON o.id = s.target_id WHERE NOT s.is_new)
            UPDATE opportunities o SET account_id = n.account_id, name = n.name, kind = n.kind, stage_key = n.stage_key,
                amount = n.amount, close_date = n.close_date, owner_id = n.owner_id, probability_override = n.probability_override,
                forecast_category_override = n.forecast_category_override, next_step = n.next_step, source = n.source,
                closed_on = n.closed_on, lost_reason = n.lost_reason, created_at = n.created_at,
                stage_entered_at = CASE WHEN o.stage_key = n.stage_key THEN o.stage_entered_at ELSE now() END,
                version = o.version + 1, updated_at = now()
            FROM n WHERE n.id = o.id
              AND (o.account_id, o.name, o.kind, o.stage_key, o.amount, o.close_date, o.owner_id, o.probability_override,
                   o.forecast_category_override, o.next_step, o.source, o.closed_on, o.lost_reason, o.created_at)
                  IS DISTINCT FROM
                  (n.account_id, n.name, n.kind, n.stage_key, n.amount, n.close_date, n.owner_id, n.probability_override,
                   n.forecast_category_override, n.next_step, n.source, n.closed_on, n.lost_reason, n.created_at)
            """).affectedRows
        // A new owner takes the whole credit, as a new opportunity's owner does.
        try await db.query("""
            DELETE FROM opportunity_team t USING staging s
            WHERE t.opportunity_id = s.target_id AND NOT s.is_new AND s.owner_id IS NOT NULL AND s.old_owner IS DISTINCT FROM s.owner_id
            """)
        try await db.query("""
            INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
            SELECT s.target_id, s.owner_id, 'owner', 100 FROM staging s
            WHERE NOT s.is_new AND s.owner_id IS NOT NULL AND s.old_owner IS DISTINCT FROM s.owner_id
            """)
        try await db.query("""
            INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_by, amount, close_date,
                                                   probability, forecast_category)
            SELECT o.id, s.old_stage, o.stage_key, \(caller.id), o.amount, o.close_date, \(unsafeSQL: Self.historyFigures("o"))
            FROM staging s JOIN opportunities o ON o.id = s.target_id JOIN pipeline_stages p ON p.key = o.stage_key
            WHERE NOT s.is_new AND s.old_stage IS DISTINCT FROM s.stage_key
            """)
        try await audit(updatesOnly: true)
    }

    /// The new opportunities, their owners' team rows, their first stage steps and their
    /// create entries in the audit trail, in one statement: the three follow the rows as
    /// the insert returns them, so the staging table is read once and no row is diffed.
    /// Returns how many were created.
    ///
    /// Each deal's `is_open` is its stage's, joined here: left out, the deals' row trigger
    /// (sql/functions/open_deals.sql) looks it up once per row, 1.1 s of a 200,000-deal
    /// import's 35 s in PostgreSQL. The foreign key to the stage still holds it right.
    func createOpportunities() async throws -> Int {
        try await db.query("""
            WITH created AS (
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id, probability_override,
                                           forecast_category_override, next_step, source, closed_on, lost_reason, external_id,
                                           created_at, is_open)
                SELECT account_id, name, coalesce(kind, 'new_business'), stage_key, coalesce(amount, 0), close_date,
                       coalesce(owner_id, \(caller.id)), probability, forecast_category, next_step, source, closed_on,
                       coalesce(lost_reason, CASE WHEN is_lost THEN 'not given in the import' END), external_id,
                       coalesce(created_on::timestamptz, now()), coalesce(stage_is_open, true)
                FROM (SELECT s.*, p.is_open AS stage_is_open FROM staging s LEFT JOIN pipeline_stages p ON p.key = s.stage_key) s
                WHERE is_new ORDER BY line
                RETURNING *),
            team AS (
                INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
                SELECT id, owner_id, 'owner', 100 FROM created),
            history AS (
                INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_by, amount, close_date,
                                                       probability, forecast_category)
                SELECT c.id, NULL, c.stage_key, \(caller.id), c.amount, c.close_date, \(unsafeSQL: Self.historyFigures("c"))
                FROM created c JOIN pipeline_stages p ON p.key = c.stage_key)
            INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
            SELECT \(caller.id), 'opportunity', c.id, 'create', \(unsafeSQL: Self.createdChanges(.opportunities, "c"))
            FROM created c
            """).affectedRows
    }

    /// The probability and forecast category a stage step records for opportunity
    /// `row` at stage `p`: a won or lost stage's own, else the opportunity's override or
    /// the stage's default.
    static func historyFigures(_ row: String) -> String {
        """
        CASE WHEN p.is_won OR p.is_lost THEN p.probability ELSE coalesce(\(row).probability_override, p.probability) END,
        CASE WHEN p.is_won OR p.is_lost THEN p.forecast_category
             ELSE coalesce(\(row).forecast_category_override, p.forecast_category) END
        """
    }

    /// The columns a record's create entry lists: every column but the bookkeeping ones
    /// `audit_diff` leaves out (id, version, created_at, updated_at, stage_entered_at, and
    /// a deal's is_open, which follows from its stage).
    /// ImportDerivedRowsTests checks that each import's create entries are the ones
    /// `audit_diff` makes of the whole row, so a column added later cannot be missed.
    static func auditedColumns(_ kind: ImportKind) -> [String] {
        switch kind {
        case .accounts:
            ["name", "domain", "industry", "owner_id", "parent_id", "status", "street", "city", "region", "postal_code", "country",
             "external_id", "archived_at"]
        case .contacts:
            ["account_id", "name", "email", "phone", "title", "buying_role", "do_not_contact", "external_id", "archived_at"]
        case .opportunities:
            ["account_id", "name", "kind", "stage_key", "amount", "close_date", "owner_id", "probability_override",
             "forecast_category_override", "next_step", "source", "closed_on", "lost_reason", "external_id", "archived_at"]
        }
    }

    /// A create entry's changes, `{"column": {"old": null, "new": value}}` for each
    /// audited column of the new record `row`, built from the row itself: as JSON text
    /// parsed once, each value written by `to_json` (which writes it as `jsonb_build_object`
    /// and `to_jsonb` do). Sixteen nested `jsonb_build_object` calls a row cost a third
    /// more CPU than this at 200,000 rows; the stored entries are the same (ImportDerivedRowsTests).
    static func createdChanges(_ kind: ImportKind, _ row: String) -> String {
        "('{"
            + auditedColumns(kind).map { #""\#($0)": {"old": null, "new": ' || coalesce(to_json(\#(row).\#($0))::text, 'null') || '}"# }
                .joined(separator: ", ")
            + "}')::jsonb"
    }

    /// The record a `baton:<id>` reference names, as `resolve_*` reads it: the id when
    /// `column` has that form, else NULL (which joins nothing). Any other reference is an
    /// external id, which can never have this form (sql/0018).
    static func batonID(_ column: StaticString) -> Query {
        "CASE WHEN \(unsafeSQL: "\(column)") ~ '^baton:[0-9]{1,18}$' THEN substr(\(unsafeSQL: "\(column)"), 7)::bigint END"
    }

    /// A prospect that buys becomes a client, as a win through the API makes it
    /// (`AccountStore.activateOnWin`): every prospect an imported won deal names, in one
    /// statement, each audited as the importer's change of status.
    func activateBuyers() async throws {
        try await db.query("""
            WITH activated AS (
                UPDATE accounts a SET status = 'active', version = a.version + 1, updated_at = now()
                WHERE a.status = 'prospect' AND a.id IN (
                    SELECT s.account_id FROM staging s JOIN pipeline_stages p ON p.key = s.stage_key WHERE p.is_won)
                RETURNING a.id)
            INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
            SELECT \(caller.id), 'account', id, 'update', '{"status": {"old": "prospect", "new": "active"}}'::jsonb
            FROM activated
            """)
    }

    /// One audit entry per record created (unless `updatesOnly`: the caller writes
    /// those), built from the new row itself, and one per record whose fields changed:
    /// only those are diffed, against the row as it was before the import. (The values'
    /// casts: a parameter in a UNION would otherwise be resolved as text.)
    func audit(updatesOnly: Bool = false) async throws {
        let created: Query = updatesOnly ? "" : """
            SELECT \(caller.id)::bigint, \(noun)::text, r.id, 'create', \(unsafeSQL: Self.createdChanges(kind, "r"))
            FROM staging s JOIN \(unsafeSQL: table) r ON r.id = s.target_id WHERE s.is_new
            UNION ALL
            """
        try await db.query("""
            INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
            \(created)
            SELECT \(caller.id)::bigint, \(noun)::text, r.id, 'update', d.changes
            FROM staging s JOIN \(unsafeSQL: table) r ON r.id = s.target_id
            JOIN import_before b ON b.id = r.id
            CROSS JOIN LATERAL (SELECT audit_diff(to_jsonb(b), to_jsonb(r)) AS changes) d
            WHERE NOT s.is_new AND d.changes <> '{}'
            """)
    }

    // MARK: The report

    func report(dryRun: Bool) async throws -> ImportReport {
        let counts = try await db.query("""
            SELECT count(*) FILTER (WHERE NOT warning) AS errors, count(*) FILTER (WHERE warning) AS warnings,
                   count(DISTINCT line) FILTER (WHERE NOT warning) AS bad_lines
            FROM import_issues
            """).first
        func listed(warning: Bool) async throws -> [ImportIssue] {
            try await db.query("""
                SELECT line, field, message FROM import_issues WHERE \(unsafeSQL: warning ? "warning" : "NOT warning")
                ORDER BY line, field COLLATE "C", message COLLATE "C" LIMIT \(ImportStore.listedIssues)
                """).map { ImportIssue(line: try $0.decode("line"), field: try $0.decode("field"), message: try $0.decode("message")) }
        }
        let badLines: Int = try counts?.decode("bad_lines") ?? 0
        return ImportReport(
            kind: kind.rawValue, dryRun: dryRun, rows: rows, valid: rows - badLines, created: created, updated: updated,
            unchanged: unchanged, matched: matched,
            errors: try await listed(warning: false), warnings: try await listed(warning: true),
            errorCount: try counts?.decode("errors") ?? 0, warningCount: try counts?.decode("warnings") ?? 0,
            unmapped: unmappedOrder.compactMap { unmapped[$0] })
    }
}

/// `baton:<id>` is how Baton's own export names a record that has no external id of
/// its own, so that the export imports back as updates. Those ids are Baton's,
/// never a person's: a record that could carry `baton:42` as its external id would
/// be taken for record 42 by the next import of an export (issue 14, item 9).
///
/// So an external id starting with `baton:` is refused on input, except where it
/// names a record the caller is working on or can see: the record itself in an
/// edit, or an existing record in an import row. The caller checks that such a
/// record exists and is visible, and refuses it with `notUsable` otherwise, in
/// words that do not tell whether it exists.
public enum ExternalIDRules {
    /// The reserved prefix, matched without regard to case.
    public static let reservedPrefix = "baton:"

    /// Where an external id is being given.
    public enum Use: Sendable, Equatable {
        /// A new record through the API or a page: no `baton:` id at all.
        case create
        /// An edit of record `recordID`: only its own `baton:<recordID>`, which changes nothing.
        case update(recordID: Int64)
        /// A row of an import file: a `baton:<id>` names an existing record to update.
        case importRow
    }

    public enum Verdict: Sendable, Equatable {
        /// No id (nil, empty or blank).
        case none
        /// An ordinary id, trimmed, to store as it is (still unique among its kind).
        case ordinary(String)
        /// The record's own Baton id in an edit: keep the external id it has.
        case ownRecord
        /// An import row naming record `id`: update it if it exists and the caller
        /// sees it; otherwise the row is refused with `notUsable`.
        case reference(Int64)
        /// Refused on the `externalId` field (422) with this message.
        case refused(String)
    }

    /// The message of a refused `baton:` id; it depends only on the text given.
    public static let reservedMessage =
        "External ids starting with baton: are Baton's own record ids and cannot be given to a record; leave it empty or use another"

    /// What to do with `externalID` given for `use`.
    public static func check(_ externalID: String?, use: Use) -> Verdict {
        guard let id = externalID?.trimmed, !id.isEmpty else { return .none }
        guard let number = bracketedNumber(id) else {
            return isReserved(id) ? .refused(reservedMessage) : .ordinary(id)
        }
        switch use {
        case .create: return .refused(reservedMessage)
        case .update(let recordID): return number == recordID ? .ownRecord : .refused(reservedMessage)
        case .importRow: return .reference(number)
        }
    }

    /// Whether `id` is in Baton's namespace (`baton:`, any case, after spaces).
    public static func isReserved(_ id: String) -> Bool {
        id.trimmed.lowercased().hasPrefix(reservedPrefix)
    }

    /// The record a `baton:<digits>` id names, as the database's `resolve_*` reads it
    /// (1 to 18 digits, exact lower-case prefix); nil for anything else.
    public static func bracketedNumber(_ id: String) -> Int64? {
        guard id.hasPrefix(reservedPrefix) else { return nil }
        let digits = id.dropFirst(reservedPrefix.count)
        guard (1...18).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits)
    }

    /// The refusal of an id that names no record the caller can see, or that a record
    /// they cannot see already carries. The same words in every case, so that the
    /// answer does not tell whether such a record exists.
    public static func notUsable(_ id: String, kind: String) -> String {
        "\(id) is not \(article(kind)) \(kind) you can see, and no new \(kind) can take this id; leave it empty or use another"
    }

    private static func article(_ word: String) -> String {
        word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }
}

/// Who may import files. An import writes hundreds of thousands of records in one
/// request, takes the import lock of its kind, and owns records for the people it
/// names: it belongs to those who run a book of clients, not to every seller.
public enum ImportAccess {
    public static let importers: Set<Role> = [.admin, .manager, .accountManager]

    public static func canImport(_ roles: Set<Role>) -> Bool { !roles.isDisjoint(with: importers) }
}

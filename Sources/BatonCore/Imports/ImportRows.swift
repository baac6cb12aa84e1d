import Dates
import Foundation

/// An account read from an import file, checked and ready for the store to upsert.
public struct AccountImportRow: Sendable, Equatable {
    public var line: Int
    public var externalId: String?
    public var name: String
    public var domain, industry: String?
    /// An owner's email or name (or, from Salesforce, a user id) for the store to match.
    public var ownerRef: String?
    public var parentExternalId: String?
    /// `prospect`, `active` or `former`.
    public var status: String?
    public var street, city, region, postalCode, country: String?
}

/// A contact read from an import file.
public struct ContactImportRow: Sendable, Equatable {
    public var line: Int
    public var externalId, accountExternalId: String?
    public var name: String
    public var email, phone, title: String?
    /// `decision_maker`, `influencer`, `technical`, `billing` or `other`.
    public var buyingRole: String?
    public var doNotContact = false
}

/// An opportunity read from an import file.
public struct OpportunityImportRow: Sendable, Equatable {
    public var line: Int
    public var externalId, accountExternalId: String?
    public var name: String
    /// `new_business`, `expansion` or `renewal`.
    public var kind: String?
    /// A stage key or name, normalised by `StageAliases`, for the store to match.
    public var stageRef: String?
    public var amount: Decimal?
    public var closeDate: CalendarDate?
    public var ownerRef, nextStep, source: String?
    /// 0 to 100.
    public var probability: Decimal?
    /// `pipeline`, `best_case`, `commit`, `closed` or `omitted`.
    public var forecastCategory: String?
    public var lostReason: String?
    /// When the deal was opened (Salesforce "Created Date"), so that sales cycles of
    /// imported history are right; and the dates it was won or lost, when the file
    /// says (our export does), which are the date of record rather than the close date.
    public var createdOn, wonOn, lostOn: CalendarDate?
}

/// One thing wrong with one row of an import file; the row is left out of the import.
public struct ImportIssue: Sendable, Equatable, Codable {
    /// The physical line the row starts on.
    public var line: Int
    /// The file's own column header, so the person finds it in their spreadsheet.
    public var field: String
    public var message: String

    public init(line: Int, field: String, message: String) {
        (self.line, self.field, self.message) = (line, field, message)
    }
}

/// A file that cannot be imported as this kind at all: a required column is missing.
public struct ImportFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Our names of the missing columns (`name`, `stage`).
    public var missingColumns: [String]
    public var message: String

    public var description: String { message }
}

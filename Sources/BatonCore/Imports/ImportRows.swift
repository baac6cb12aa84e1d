import Dates
import Foundation

/// An account read from an import file, checked and ready for the store to upsert.
public struct AccountImportRow: Sendable, Equatable {
    public var line: Int
    public var externalId: String?
    public var name: String
    public var domain: String?
    public var industry: String?
    /// An owner's email or name (or, from Salesforce, a user id) for the store to match.
    public var ownerRef: String?
    public var parentExternalId: String?
    /// `prospect`, `active` or `former`.
    public var status: String?
    public var street: String?
    public var city: String?
    public var region: String?
    public var postalCode: String?
    public var country: String?

    public init(
        line: Int, externalId: String? = nil, name: String, domain: String? = nil, industry: String? = nil,
        ownerRef: String? = nil, parentExternalId: String? = nil, status: String? = nil, street: String? = nil,
        city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil
    ) {
        self.line = line
        self.externalId = externalId
        self.name = name
        self.domain = domain
        self.industry = industry
        self.ownerRef = ownerRef
        self.parentExternalId = parentExternalId
        self.status = status
        self.street = street
        self.city = city
        self.region = region
        self.postalCode = postalCode
        self.country = country
    }
}

/// A contact read from an import file.
public struct ContactImportRow: Sendable, Equatable {
    public var line: Int
    public var externalId: String?
    public var accountExternalId: String?
    public var name: String
    public var email: String?
    public var phone: String?
    public var title: String?
    /// `decision_maker`, `influencer`, `technical`, `billing` or `other`.
    public var buyingRole: String?
    public var doNotContact: Bool

    public init(
        line: Int, externalId: String? = nil, accountExternalId: String? = nil, name: String, email: String? = nil,
        phone: String? = nil, title: String? = nil, buyingRole: String? = nil, doNotContact: Bool = false
    ) {
        self.line = line
        self.externalId = externalId
        self.accountExternalId = accountExternalId
        self.name = name
        self.email = email
        self.phone = phone
        self.title = title
        self.buyingRole = buyingRole
        self.doNotContact = doNotContact
    }
}

/// An opportunity read from an import file.
public struct OpportunityImportRow: Sendable, Equatable {
    public var line: Int
    public var externalId: String?
    public var accountExternalId: String?
    public var name: String
    /// `new_business`, `expansion` or `renewal`.
    public var kind: String?
    /// A stage key or name, normalised by `StageAliases`, for the store to match.
    public var stageRef: String?
    public var amount: Decimal?
    public var closeDate: CalendarDate?
    public var ownerRef: String?
    public var nextStep: String?
    public var source: String?
    /// 0 to 100.
    public var probability: Decimal?
    /// `pipeline`, `best_case`, `commit`, `closed` or `omitted`.
    public var forecastCategory: String?
    public var lostReason: String?
    /// When the deal was opened (Salesforce "Created Date"), so that sales cycles of
    /// imported history are right; and the dates it was won or lost, when the file
    /// says (our export does), which are the date of record rather than the close date.
    public var createdOn: CalendarDate?
    public var wonOn: CalendarDate?
    public var lostOn: CalendarDate?

    public init(
        line: Int, externalId: String? = nil, accountExternalId: String? = nil, name: String, kind: String? = nil,
        stageRef: String? = nil, amount: Decimal? = nil, closeDate: CalendarDate? = nil, ownerRef: String? = nil,
        nextStep: String? = nil, source: String? = nil, probability: Decimal? = nil, forecastCategory: String? = nil,
        lostReason: String? = nil, createdOn: CalendarDate? = nil, wonOn: CalendarDate? = nil, lostOn: CalendarDate? = nil
    ) {
        self.createdOn = createdOn
        self.wonOn = wonOn
        self.lostOn = lostOn
        self.line = line
        self.externalId = externalId
        self.accountExternalId = accountExternalId
        self.name = name
        self.kind = kind
        self.stageRef = stageRef
        self.amount = amount
        self.closeDate = closeDate
        self.ownerRef = ownerRef
        self.nextStep = nextStep
        self.source = source
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.lostReason = lostReason
    }
}

/// One thing wrong with one row of an import file; the row is left out of the import.
public struct ImportIssue: Sendable, Equatable, Codable {
    /// The physical line the row starts on.
    public var line: Int
    /// The file's own column header, so the person finds it in their spreadsheet.
    public var field: String
    public var message: String

    public init(line: Int, field: String, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }
}

/// A file that cannot be imported as this kind at all: a required column is missing.
public struct ImportFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Our names of the missing columns (`name`, `stage`).
    public var missingColumns: [String]
    public var message: String

    public init(missingColumns: [String], message: String) {
        self.missingColumns = missingColumns
        self.message = message
    }

    public var description: String { message }
}

import BatonCore
import Dates
import Foundation
import Postgres

// The account's record page is in AccountPage.swift.

extension PageRequest {
    /// A first page of `limit` rows, for pages that show a fixed number.
    init(limit: Int) throws {
        self.limit = limit
        self.cursor = nil
    }
}

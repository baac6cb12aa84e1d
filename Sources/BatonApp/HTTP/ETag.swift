import Foundation
import HTTPTypes
import Hummingbird

/// Optimistic concurrency: every record carries a version, sent as a strong ETag
/// (`"7"`), and a change must present it in `If-Match`.
enum ETag {
    static func value(_ version: Int) -> String { "\"\(version)\"" }

    static func headers(_ version: Int) -> HTTPFields { [.eTag: value(version)] }

    /// The version the client last saw. No header, or one with nothing in it: 428
    /// (the client sent no precondition). A header that names no version we could
    /// have sent: 412 (it can never match). `*` matches any.
    static func expectedVersion(_ request: Request) throws -> Int? {
        let candidates = request.headers[values: .ifMatch]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !candidates.isEmpty else { throw APIError.preconditionRequired }
        if candidates.contains("*") { return nil }
        for candidate in candidates {
            var text = Substring(candidate)
            if text.hasPrefix("W/") { text = text.dropFirst(2) }
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
            if let version = Int(text) { return version }
        }
        return -1
    }

    /// Refuses a change made from a stale read: 412 naming the current version. No
    /// expectation (`If-Match: *`, or a writer that holds the row already) matches any.
    static func requireCurrent(_ expected: Int?, _ current: Int) throws {
        if let expected, expected != current { throw APIError.preconditionFailed(current: current) }
    }
}

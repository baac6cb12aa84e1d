import BatonCore
import Foundation
import Hummingbird

/// `?limit=&cursor=` as every list takes them. The cursor is opaque to clients:
/// base64url of the sort key of the last row sent, so the next page is a keyset
/// query that costs the same on page 10,000 as on page 1.
struct PageRequest: Sendable {
    static let defaultLimit = 50
    static let maximumLimit = 500

    var limit: Int
    var cursor: [String]?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        if let text = query["limit"] {
            guard let n = Int(String(text)), (1...Self.maximumLimit).contains(n) else {
                throw APIError.validation([.init("limit", "Limit must be a whole number from 1 to \(Self.maximumLimit)")])
            }
            limit = n
        } else {
            limit = Self.defaultLimit
        }
        if let text = query["cursor"], !text.isEmpty {
            guard let key = Self.decodeCursor(String(text)) else {
                throw APIError.validation([.init("cursor", "Cursor is not one this API gave out; start from the first page")])
            }
            cursor = key
        }
    }

    static func encodeCursor(_ key: [String]) -> String {
        let data = (try? JSONEncoder().encode(key)) ?? Data()
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ text: String) -> [String]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }
}

/// One page of a list: `{"items": [...], "nextCursor": "…" | null}`.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?

    /// Builds a page from `limit + 1` fetched rows: the extra row only says that
    /// there is a next page.
    init(fetched: [Item], limit: Int, key: (Item) -> [String]) {
        if fetched.count > limit {
            items = Array(fetched.prefix(limit))
            nextCursor = PageRequest.encodeCursor(key(items[items.count - 1]))
        } else {
            items = fetched
            nextCursor = nil
        }
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

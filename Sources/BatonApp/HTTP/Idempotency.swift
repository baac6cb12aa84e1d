import BatonCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `Idempotency-Key` on creating POSTs: the first response to a key is stored in
/// the same transaction that creates the record, and a retry with the same key
/// and body gets that response again instead of a second record. The same key
/// with another body is a 422. Keys live 24 hours; `Housekeeping` deletes older ones.
///
/// A response that carries a secret (a new API token) is never stored as it was
/// sent: the route says what to keep instead (`storing`), and whatever is kept is
/// checked for Baton's secret prefixes and cookies once more, so a copy of the
/// table (or of a backup) signs nobody in.
///
/// Two concurrent requests with one key are serialized by the key's primary key:
/// the second insert waits for the first transaction, then finds its response.
enum Idempotency {
    static func run(
        _ request: Request, body: Data, userID: Int64, db: Connection,
        storing keep: (APIResponse) throws -> APIResponse = { $0 },
        create: () async throws -> APIResponse
    ) async throws -> APIResponse {
        guard let key = request.headers[.idempotencyKey] else { return try await create() }
        guard (1...255).contains(key.utf8.count) else {
            throw APIError.validation([.init("Idempotency-Key", "Idempotency-Key must be 1 to 255 characters")])
        }
        let hashHex = Hex.lowercase(SHA256.hash(data: Data(request.method.rawValue.utf8) + Data(request.uri.path.utf8) + body))
        try await db.query("""
            DELETE FROM idempotency_keys
            WHERE user_id = \(userID) AND key = \(key) AND created_at < now() - interval '24 hours'
            """)
        let inserted = try await db.query("""
            INSERT INTO idempotency_keys (user_id, key, method, path, request_hash)
            VALUES (\(userID), \(key), \(request.method.rawValue), \(request.uri.path), decode(\(hashHex), 'hex'))
            ON CONFLICT (user_id, key) DO NOTHING
            """)
        if inserted.affectedRows == 0 {
            let stored = try await db.query("""
                SELECT encode(request_hash, 'hex') AS hash, status, headers::text AS headers, body
                FROM idempotency_keys WHERE user_id = \(userID) AND key = \(key)
                """)
            guard let row = stored.first else { return try await create() }
            guard try row.decode("hash", as: String.self) == hashHex else {
                throw APIError(.unprocessableContent, code: "idempotency-key-reused", title: "Idempotency key reused",
                               detail: "This Idempotency-Key was already used with a different request body; use a new key for a new request.",
                               errors: [.init("Idempotency-Key", "Idempotency-Key was used for another request")])
            }
            guard let status = try row.decode("status", as: Int?.self) else {
                throw APIError.conflict("A request with this Idempotency-Key is still being processed.")
            }
            let headerPairs = try row.decode("headers", as: JSONB<[String: String]>?.self)?.value ?? [:]
            var headers = HTTPFields()
            for (name, value) in headerPairs.sorted(by: { $0.key < $1.key }) {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            headers[.idempotentReplayed] = "true"
            let text = try row.decode("body", as: String?.self) ?? ""
            return APIResponse(status: .init(code: status), headers: headers, body: Data(text.utf8))
        }
        let response = try await create()
        let kept = withoutSecrets(try keep(response))
        var headerPairs: [String: String] = [:]
        for field in kept.headers { headerPairs[field.name.canonicalName] = field.value }
        try await db.query("""
            UPDATE idempotency_keys
            SET status = \(kept.status.code), headers = \(try JSONB(headerPairs))::jsonb,
                body = \(String(decoding: kept.body, as: UTF8.self))
            WHERE user_id = \(userID) AND key = \(key)
            """)
        return response
    }

    /// What may be stored of a response: never a cookie, and never a body holding a
    /// session or API token secret (should a route forget to say `storing:`, its
    /// replay says the secret was shown once rather than keeping it).
    static func withoutSecrets(_ response: APIResponse) -> APIResponse {
        var kept = response
        kept.headers[.setCookie] = nil
        let text = String(decoding: response.body, as: UTF8.self)
        if [SecretToken.sessionPrefix, SecretToken.apiTokenPrefix].contains(where: { text.contains("\"" + $0) }) {
            kept.headers[.contentType] = "application/json"
            kept.body = Data(#"{"detail":"This response held a secret, which is shown only once and is not kept for replays.","secretShownOnce":true}"#.utf8)
        }
        return kept
    }
}

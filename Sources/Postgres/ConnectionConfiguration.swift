import Foundation

/// Where and how to connect, parsed from a `postgres://` URL.
///
/// The URL is split into libpq's keyword/value pairs and handed to
/// `PQconnectdbParams`, so nothing is ever quoted by hand into a conninfo string.
/// `postgres://user:secret@db.internal:5433/baton?sslmode=require` and the
/// unix-socket form `postgres:///baton?host=/var/run/postgresql&user=baton` both work.
public struct ConnectionConfiguration: Sendable, Equatable {
    public var host: String?
    public var port: Int?
    public var user: String?
    public var password: String?
    public var database: String?
    public var sslMode: String?
    public var applicationName: String = "baton"
    public var connectTimeoutSeconds: Int = 5
    /// Whether each connection prepares its statements (`prepared_statements=off` in the
    /// URL's query turns it off; it is off by itself behind a pooler, see `Connection`).
    public var preparedStatements = true
    /// How many prepared statements one connection keeps at most.
    public var preparedStatementLimit = 256
    /// Further libpq parameters from the URL's query (`options`, `target_session_attrs`, …).
    public var extra: [String: String] = [:]

    public init(
        host: String? = nil, port: Int? = nil, user: String? = nil, password: String? = nil,
        database: String? = nil, sslMode: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    public struct InvalidURL: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "invalid database URL: \(reason)" }
    }

    public init(url text: String) throws {
        guard let components = URLComponents(string: text) else { throw InvalidURL(reason: "not a URL") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw InvalidURL(reason: "the scheme must be postgres:// or postgresql://")
        }
        if var h = components.percentEncodedHost, !h.isEmpty {
            // An IPv6 literal comes bracketed in a URL; libpq wants it bare.
            if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
            host = h.removingPercentEncoding ?? h
        }
        port = components.port
        if let u = components.user, !u.isEmpty { user = u }
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if !path.isEmpty { database = path }
        for item in components.queryItems ?? [] {
            guard let value = item.value else { continue }
            switch item.name {
            case "host": host = value
            case "port":
                guard let p = Int(value) else { throw InvalidURL(reason: "port must be a number") }
                port = p
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode": sslMode = value
            case "application_name": applicationName = value
            case "connect_timeout":
                guard let t = Int(value) else { throw InvalidURL(reason: "connect_timeout must be a number") }
                connectTimeoutSeconds = t
            case "prepared_statements":
                guard let on = ["on": true, "true": true, "off": false, "false": false][value.lowercased()] else {
                    throw InvalidURL(reason: "prepared_statements must be on or off")
                }
                preparedStatements = on
            default: extra[item.name] = value
            }
        }
    }

    /// The keyword/value pairs for `PQconnectdbParams`. The session is pinned to
    /// UTF8 here; ISO dates and UTC are set once connected (see `Connection`).
    var keywordValues: [(String, String)] {
        var pairs: [(String, String)] = []
        if let host { pairs.append(("host", host)) }
        if let port { pairs.append(("port", String(port))) }
        if let user { pairs.append(("user", user)) }
        if let password { pairs.append(("password", password)) }
        if let database { pairs.append(("dbname", database)) }
        if let sslMode { pairs.append(("sslmode", sslMode)) }
        pairs.append(("application_name", applicationName))
        pairs.append(("connect_timeout", String(connectTimeoutSeconds)))
        pairs.append(("client_encoding", "UTF8"))
        // No `options` of our own: PgBouncer refuses that startup parameter. The
        // connection sets DateStyle and TimeZone itself when the server's differ.
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { pairs.append((k, v)) }
        return pairs
    }

    /// The URL with the password hidden, for logs.
    public var redacted: String {
        var s = "postgres://"
        if let user { s += user + (password == nil ? "" : ":***") + "@" }
        if let host, !host.hasPrefix("/") { s += host }
        if let port { s += ":\(port)" }
        s += "/" + (database ?? "")
        if let host, host.hasPrefix("/") { s += "?host=" + host }
        return s
    }

    /// The same server, another database.
    public func with(database: String) -> ConnectionConfiguration {
        var c = self
        c.database = database
        return c
    }
}

import BatonCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where email goes: `SMTP_URL` (`smtp://user:password@host:587` with STARTTLS, or
/// `smtps://…:465` with TLS from the first byte) and `MAIL_FROM`; `SMTP_CA_FILE`
/// trusts a private CA's certificate (PEM) instead of the system's;
/// `BATON_PUBLIC_URL` makes the links in messages absolute. Without `SMTP_URL`
/// email is off and everything else works.
struct MailSettings: Sendable, Equatable {
    /// How the connection is protected: `smtps://` speaks TLS at once; `smtp://`
    /// upgrades with STARTTLS whenever the server offers it.
    enum Security: String, Sendable { case startTLS, tls }

    var host: String
    var port: Int
    var username, password: String?
    var from: String
    var baseURL: String?
    var security: Security = .startTLS
    var caFile: String?

    struct Invalid: Error, CustomStringConvertible { let description: String }

    /// The process's settings, read once. Settings that do not parse are reported on
    /// standard error and leave email off; the rest of Baton runs.
    static let current: MailSettings? = {
        do {
            return try fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("email is off: \(error)\n".utf8))
            return nil
        }
    }()

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> MailSettings? {
        guard let url = env["SMTP_URL"]?.trimmingCharacters(in: .whitespaces), !url.isEmpty else { return nil }
        var settings = try parse(url: url, from: env["MAIL_FROM"], baseURL: env["BATON_PUBLIC_URL"])
        if let caFile = env["SMTP_CA_FILE"]?.trimmingCharacters(in: .whitespaces), !caFile.isEmpty {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw Invalid(description: "SMTP_CA_FILE \(caFile) cannot be read")
            }
            settings.caFile = caFile
        }
        return settings
    }

    static func parse(url: String, from: String?, baseURL: String?) throws -> MailSettings {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), let host = parts.host, !host.isEmpty else {
            throw Invalid(description: "SMTP_URL must look like smtp://user:password@host:587")
        }
        guard let security: Security = ["smtp": .startTLS, "smtps": .tls][scheme] else {
            throw Invalid(description: "SMTP_URL must start with smtp:// (STARTTLS when offered) or smtps:// (TLS)")
        }
        let sender = from?.trimmingCharacters(in: .whitespaces) ?? ""
        guard sender.contains("@"), !sender.contains("\r"), !sender.contains("\n") else {
            throw Invalid(description: "MAIL_FROM must be the address Baton sends from, such as baton@example.com")
        }
        return MailSettings(host: host, port: parts.port ?? (security == .tls ? 465 : 25), username: parts.user?.removingPercentEncoding,
                            password: parts.password?.removingPercentEncoding, from: sender, baseURL: baseURL, security: security)
    }

    /// Whether the server is this machine, where a password may cross a plain connection.
    var isLoopback: Bool { ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) }

    /// The TLS client for the server: the system's trust roots, or only `caFile`'s.
    func tlsContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: tls)
    }
}

/// What went wrong talking to the SMTP server; `permanent` for a 5xx reply.
struct SMTPFailure: Error, CustomStringConvertible {
    var description: String
    var permanent: Bool
}

/// A minimal SMTP client (RFC 5321) over NIO: TLS at once (`smtps://`) or STARTTLS
/// when the server offers it (RFC 3207), EHLO, AUTH PLAIN when the URL has a user,
/// then MAIL/RCPT/DATA per message on one connection.
struct SMTPClient: Sendable {
    let settings: MailSettings
    var timeoutSeconds: Int64 = 30

    /// Opens one connection, runs `body` with a sender, and says QUIT. A server that
    /// stops answering is given up on by the caller's deadline (`MailWorker`).
    func session<T: Sendable>(_ body: @Sendable (SMTPSession) async throws -> T) async throws -> T {
        let tls = try settings.tlsContext()
        // SNI carries names only; a server given by address is checked against its address.
        let serverName = settings.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : settings.host
        let secureAtOnce = settings.security == .tls
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(timeoutSeconds))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if secureAtOnce { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            let session = SMTPSession(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect(220)
            var ehlo = try await session.command("EHLO baton", expect: 250)
            if !secureAtOnce, ehlo.contains("STARTTLS") {
                _ = try await session.command("STARTTLS", expect: 220)
                // The server now waits for the TLS handshake: nothing unread is in between.
                try await raw.eventLoop.submit {
                    try raw.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
                }.get()
                ehlo = try await session.command("EHLO baton", expect: 250)
            } else if !secureAtOnce, settings.username != nil, !settings.isLoopback {
                // A password is never sent in the clear to another machine.
                throw SMTPFailure(description: "the server offers no STARTTLS and the password would cross in the clear; use smtps://", permanent: true)
            }
            if let user = settings.username, let password = settings.password {
                guard ehlo.contains("AUTH") else { throw SMTPFailure(description: "the server offers no AUTH", permanent: true) }
                let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
                _ = try await session.command("AUTH PLAIN " + token, expect: 235)
            }
            let result = try await body(session)
            _ = try? await session.command("QUIT", expect: 221)
            return result
        }
    }
}

/// One open SMTP conversation. Used by one task at a time.
final class SMTPSession: @unchecked Sendable {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffered = ""

    init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends one message; throws `SMTPFailure` when the server refuses it.
    func send(_ message: MailMessage) async throws {
        _ = try await command("MAIL FROM:<\(message.from)>", expect: 250)
        _ = try await command("RCPT TO:<\(message.to)>", expect: 250)
        _ = try await command("DATA", expect: 354)
        let boundary = "baton-" + UUID().uuidString
        // Base64 parts leave no line starting with a dot; the headers are checked anyway.
        let data = message.rendered(boundary: boundary).split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        try await write(data + ".\r\n")
        _ = try await reply(expect: 250)
    }

    func command(_ line: String, expect code: Int) async throws -> String {
        try await write(line + "\r\n")
        return try await reply(expect: code)
    }

    func expect(_ code: Int) async throws { _ = try await reply(expect: code) }

    private func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads one (possibly multi-line) reply and checks its code.
    private func reply(expect code: Int) async throws -> String {
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            lines.append(line)
            let chars = Array(line)
            if chars.count < 4 || chars[3] != "-" { break }
        }
        let last = lines.last ?? ""
        guard let got = Int(last.prefix(3)) else { throw SMTPFailure(description: "unreadable reply: \(last.prefix(200))", permanent: false) }
        guard got == code else {
            throw SMTPFailure(description: "expected \(code), got \(last.prefix(300))", permanent: (500...599).contains(got))
        }
        return lines.joined(separator: "\n")
    }

    private func nextLine() async throws -> String {
        while true {
            if let range = buffered.range(of: "\r\n") ?? buffered.range(of: "\n") {
                let line = String(buffered[..<range.lowerBound])
                buffered.removeSubrange(..<range.upperBound)
                return line
            }
            guard buffered.utf8.count < 64 * 1024 else { throw SMTPFailure(description: "reply line too long", permanent: false) }
            let chunk = try await inbound.next()
            guard let chunk else { throw SMTPFailure(description: "the server closed the connection", permanent: false) }
            buffered += String(buffer: chunk)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The server-rendered pages' templates (Mustache, escaped by default) and static
/// files, loaded once from the module's resources.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let staticFiles: [String: (type: String, body: String)]

    static func load() async throws -> PageRenderer {
        // The bundle's own folder holds `Resources/` (copied as a folder by the package).
        let resources = Bundle.module.bundleURL.appendingPathComponent("Resources")
        guard FileManager.default.fileExists(atPath: resources.appendingPathComponent("templates").path) else {
            throw AppConfiguration.Invalid(description: "the page templates are missing from \(resources.path)")
        }
        // Before the templates are parsed: a template names its content type when parsed.
        HTMLEscaping.register()
        let library = try await MustacheLibrary(directory: resources.appendingPathComponent("templates").path)
        var files: [String: (String, String)] = [:]
        let staticFolder = resources.appendingPathComponent("static")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staticFolder.path)) ?? [] {
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8"
                : name.hasSuffix(".js") ? "text/javascript; charset=utf-8"
                : name.hasSuffix(".svg") ? "image/svg+xml" : "application/octet-stream"
            files[name] = (type, try String(contentsOf: staticFolder.appendingPathComponent(name), encoding: .utf8))
        }
        // Chart.js comes from Debian's libjs-chart.js (3.9, UMD, global `Chart`); Baton serves it
        // from its own origin so the content security policy allows it.
        let chartPath = "/usr/share/javascript/chart.js/chart.min.js"
        if let chart = try? String(contentsOfFile: chartPath, encoding: .utf8) {
            files["chart.min.js"] = ("text/javascript; charset=utf-8", chart)
        }
        return PageRenderer(library: library, staticFiles: files)
    }

    func page(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(model, withTemplate: template) ?? "<!doctype html><title>Baton</title><p>This page could not be drawn.</p>"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func staticFile(_ name: String) -> Response? {
        guard let file = staticFiles[name] else { return nil }
        return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(string: file.body)))
    }
}

/// HTML escaping exactly as swift-mustache's own (2.1.1, `String.htmlEscape`): `&`, `<`,
/// `>`, `"` and `'` become `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&#39;`, every other
/// character is kept. The library looks each Character up in a dictionary, which was a
/// sixth of drawing the board's 250 cards; this reads the UTF-8 bytes, and most values
/// (names, amounts, dates) have nothing to escape and come back as they are. A template
/// asks for it with `{{% CONTENT_TYPE: BATON_HTML}}` (the library's default cannot be
/// replaced, and a partial starts again from the default).
///
/// The library compares whole Characters: a `<` joined to the character before it (a
/// prepended mark) or after it (a combining mark) is part of another Character and is
/// kept as it is. Only a value with both something to escape and a byte outside ASCII
/// can hold such a pair, and such a value is escaped the library's way, Character by
/// Character. `PageEscapingTests` holds both ways to the library's, over every scalar.
struct HTMLEscaping: MustacheContentType {
    static let name = "BATON_HTML"

    static func register() {
        MustacheContentTypes.register(HTMLEscaping(), named: name)
    }

    func escapeText(_ text: String) -> String {
        Self.escape(text)
    }

    static func escape(_ text: String) -> String {
        let scanned = text.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            var special = false, ascii = true
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): special = true
                case 0x80...: ascii = false
                default: break
                }
            }
            guard special else { return text }
            guard ascii else { return nil }
            var escaped: [UInt8] = []
            escaped.reserveCapacity(bytes.count + 32)
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): escaped.append(contentsOf: "&#39;".utf8)
                default: escaped.append(byte)
                }
            }
            return String(decoding: escaped, as: UTF8.self)
        }
        return (scanned ?? nil) ?? byCharacter(text)
    }

    private static let entities: [Character: String] = ["<": "&lt;", ">": "&gt;", "&": "&amp;", "\"": "&quot;", "'": "&#39;"]

    /// The library's own way, for a value that is not all ASCII and has something to escape.
    static func byCharacter(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            if let entity = entities[character] { escaped += entity } else { escaped.append(character) }
        }
        return escaped
    }
}

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

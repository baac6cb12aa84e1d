import Foundation
import HTTPTypes
import Hummingbird

/// A message shown once on the page a form redirects to ("That would book the person
/// past capacity…"). It travels in a short-lived cookie, never in the address: a link
/// anyone can craft (`/pipeline?error=Call+this+number`) must not put words on our
/// pages, and only this server can set the cookie.
enum Flash {
    static let cookieName = "baton_flash"
    /// Longer texts are cut: a flash is a sentence, not a document.
    static let maxLength = 1_000

    /// A redirect to `location` that shows `message` once there.
    static func redirect(_ location: String, message: String) -> Response {
        let value = String(message.prefix(maxLength)).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return WebSession.redirect(location, cookies: ["\(cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=60"])
    }

    /// The message waiting for this request's page, if any.
    static func message(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2, kv[0] == cookieName, let text = kv[1].removingPercentEncoding, !text.isEmpty {
                    return String(text.prefix(maxLength))
                }
            }
        }
        return nil
    }

    /// The page's response, with the message spent so that it is not shown twice.
    static func shown(_ response: Response, for request: Request) -> Response {
        guard message(request) != nil else { return response }
        var response = response
        response.headers.append(HTTPField(name: .setCookie, value: "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"))
        return response
    }
}

@testable import BatonApp
import Mustache
import Testing

/// The pages' own HTML escaping (`HTMLEscaping`, chosen by a template's
/// `{{% CONTENT_TYPE: BATON_HTML}}`) draws every value exactly as swift-mustache's default
/// escaping does: the same characters escaped the same way, whether the value is all
/// ASCII (read as bytes) or not (read as Characters), and ordinary text untouched.
@Suite struct PageEscapingTests {
    /// `value` drawn by `{{value}}` with the library's escaping and with the pages'.
    static func drawn(_ value: String) throws -> (library: String, pages: String) {
        HTMLEscaping.register()
        let library = try MustacheTemplate(string: "{{value}}")
        let pages = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(HTMLEscaping.name)}}{{value}}")
        return (library.render(["value": value]), pages.render(["value": value]))
    }

    static let specials: [Character] = ["&", "<", ">", "\"", "'"]

    @Test func theLibraryChangesOnlyFiveCharactersAndThePagesEscapeThemTheSameWay() throws {
        var changed: [String] = []
        var chunk = "", plain = ""
        var chunks: [(escaped: String, plain: String)] = []
        for code in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(code) else { continue }
            let alone = String(Character(scalar))
            // Which scalars the library changes alone: only the five (drawing each scalar as
            // a value of its own would take minutes; the chunks below hold them all).
            if Self.specials.contains(Character(scalar)) { changed.append(alone) }
            // Each scalar after and before a character that is escaped: a combining mark after
            // `<` or a prepended one before `&` makes another Character, which is kept.
            // (The five are alike to the library: one before and one after a scalar stand
            // for them all.)
            chunk += "<" + alone + "&"
            if !Self.specials.contains(Character(scalar)) { plain += alone }
            if chunk.utf8.count > 16_000 { chunks.append((chunk, plain)); chunk = ""; plain = "" }
        }
        chunks.append((chunk, plain))
        #expect(changed == ["\"", "&", "'", "<", ">"])
        for special in changed {
            let (library, pages) = try Self.drawn(special)
            #expect(library != special && pages == library, "\(special)")
        }
        for (chunk, plain) in chunks {
            let (library, pages) = try Self.drawn(chunk)
            #expect(pages == library, "from U+\(String(chunk.unicodeScalars.dropFirst().first?.value ?? 0, radix: 16))")
            // Without anything to escape, each way gives the value back as it was.
            let (libraryPlain, pagesPlain) = try Self.drawn(plain)
            #expect(pagesPlain == libraryPlain && pagesPlain == plain,
                    "from U+\(String(plain.unicodeScalars.first?.value ?? 0, radix: 16)), nothing to escape")
        }
        // The library's escaping of a scalar is not always an entity: a `<` joined to a
        // combining mark is one Character, kept as it is; the pages keep it too.
        for joined in ["a<\u{338}b", "\u{600}<b & c"] {
            let (library, pages) = try Self.drawn(joined)
            #expect(pages == library && pages.hasPrefix(String(joined.prefix(2))), "\(joined)")
        }
    }

    @Test func everyPairOfASCIICharactersIsEscapedAsTheLibraryDoes() throws {
        var pairs = ""
        for first in UInt8(0)..<0x80 {
            for second in UInt8(0)..<0x80 {
                pairs.unicodeScalars.append(Unicode.Scalar(first))
                pairs.unicodeScalars.append(Unicode.Scalar(second))
            }
        }
        let (library, pages) = try Self.drawn(pairs)
        #expect(pages == library)
        #expect(pages.contains("&lt;&amp;") && pages.contains("&quot;&#39;") && pages.contains("a&gt;"))
    }

    @Test func ordinaryTextIsDrawnAsTheLibraryDrawsIt() throws {
        for text in ["", "Stark Health 8101", "Acme & Sons <b>\"quoted\"</b> 'single' > done", "Café & Crème <script>",
                     "Zoë's \"Ürün\" & 株式会社 <x>", "a\r\nb & c", "👩‍👩‍👧 & 🇫🇷 < 1", "$ 1,250.00", "&amp; already"] {
            let (library, pages) = try Self.drawn(text)
            #expect(pages == library, "\(text)")
        }
    }
}

import Mustache

/// One choice of a select box or a row of filter links: the value it sends, the words it
/// shows, and whether it is the one chosen now. Every page's choices are this one type.
struct Choice: Sendable, Equatable {
    var value: String
    var label: String
    var selected: Bool
}

// Answers by name: a template's `{{value}}` or `{{#selected}}` is one switch, where
// Mirror walked the choice's properties (and, for a name the choice lacks, every
// enclosing context's).
extension Choice: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

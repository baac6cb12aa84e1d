import Foundation

extension String {
    /// The text as one segment of a path, escaped.
    var adminPathSegment: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}

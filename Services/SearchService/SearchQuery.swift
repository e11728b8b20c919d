/// Turns the words of `q` into a PostgreSQL `tsquery` text: every word must
/// match, as a prefix (`ada love` → `ada:* & love:*`). Only letters and digits
/// make words, so the result is always valid `to_tsquery` syntax; it is still
/// passed as a bound parameter, never spliced into SQL.
enum SearchQuery {
    /// At most this many words are used.
    static let maximumWords = 16

    static func tsquery(from text: String) -> String? {
        let words = text.lowercased()
            .split { !($0.isLetter || $0.isNumber) }
            .prefix(maximumWords)
            .map { "\($0):*" }
        return words.isEmpty ? nil : words.joined(separator: " & ")
    }
}

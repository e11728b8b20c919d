import Foundation

/// Splits a SQL script into its statements at top-level semicolons.
///
/// PostgresNIO sends every query with the extended protocol, which takes one
/// statement at a time, so a migration file is cut up here first. Semicolons
/// inside quoted strings, quoted identifiers, dollar-quoted bodies
/// (`$$ … $$`, `$fn$ … $fn$`) and comments do not split.
public enum SQLStatementSplitter {
    public static func split(_ script: String) -> [String] {
        let characters = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var index = 0

        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if hasCode && !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
            hasCode = false
        }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }

        while index < characters.count {
            let character = characters[index]
            switch character {
            case "-" where peek(1) == "-":
                while index < characters.count && characters[index] != "\n" {
                    current.append(characters[index]); index += 1
                }
                continue
            case "/" where peek(1) == "*":
                var depth = 0
                repeat {
                    if characters[index] == "/" && peek(1) == "*" {
                        depth += 1; current.append("/"); current.append("*"); index += 2
                    } else if characters[index] == "*" && peek(1) == "/" {
                        depth -= 1; current.append("*"); current.append("/"); index += 2
                    } else {
                        current.append(characters[index]); index += 1
                    }
                } while depth > 0 && index < characters.count
                continue
            case "'", "\"":
                let backslashEscapes = character == "'" && index > 0 && ["E", "e"].contains(characters[index - 1])
                hasCode = true
                current.append(character); index += 1
                while index < characters.count {
                    let inner = characters[index]
                    current.append(inner); index += 1
                    if backslashEscapes && inner == "\\" && index < characters.count {
                        current.append(characters[index]); index += 1
                    } else if inner == character {
                        if index < characters.count && characters[index] == character {
                            current.append(characters[index]); index += 1 // doubled quote: still inside
                        } else {
                            break
                        }
                    }
                }
                continue
            case "$":
                if let tag = dollarTag(characters, at: index) {
                    hasCode = true
                    current.append(contentsOf: tag); index += tag.count
                    while index < characters.count {
                        if characters[index] == "$", Array(characters[index..<min(characters.count, index + tag.count)]) == tag {
                            current.append(contentsOf: tag); index += tag.count
                            break
                        }
                        current.append(characters[index]); index += 1
                    }
                    continue
                }
            case ";":
                flush(); index += 1
                continue
            default:
                break
            }
            if !character.properties.isWhitespace { hasCode = true }
            current.append(character); index += 1
        }
        flush()
        return statements
    }

    /// The `$tag$` opening a dollar-quoted string at `index`, if any.
    private static func dollarTag(_ characters: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        // `$1` is a parameter, not a tag; a tag is `$` identifier? `$`.
        var end = index + 1
        while end < characters.count, characters[end] == "_" || characters[end].properties.isAlphabetic
                || (end > index + 1 && ("0"..."9").contains(characters[end])) {
            end += 1
        }
        guard end < characters.count, characters[end] == "$" else { return nil }
        return Array(characters[index...end])
    }
}

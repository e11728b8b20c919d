import Logging
import Observability
import Synchronization

/// Log lines as the production handler renders them, kept for assertions.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func logger(format: LogFormat) -> Logger {
        Logger(label: "captured") { label in
            StructuredLogHandler(label: label, format: format, level: .info) { line in self.lines.withLock { $0.append(line) } }
        }
    }

    /// The key/value pairs of a logfmt line (values unquoted).
    static func logfmt(_ line: String) -> [(key: String, value: String)] {
        var pairs: [(String, String)] = []
        var rest = Substring(line)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\", let next = rest.dropFirst().first {
                        value.append(next)
                        rest = rest.dropFirst(2)
                    } else {
                        value.append(character)
                        rest = rest.dropFirst()
                    }
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            pairs.append((key, value))
        }
        return pairs
    }
}

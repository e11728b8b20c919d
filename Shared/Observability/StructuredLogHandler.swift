import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one logfmt or JSON line per event to stdout.
///
/// Keys come in a stable order: `level`, `msg`, then the keys operators grep
/// for first (see ``leadingKeys``), then the others alphabetically, then `ts`.
/// Metadata values that look like numbers are written as JSON numbers. In logfmt,
/// values with spaces, `=`, quotes or commas are quoted (`partitions="0:5,1:7"`).
public struct StructuredLogHandler: LogHandler {
    /// Keys written right after `msg`, in this order, when present.
    public static let leadingKeys = [
        "service", "group", "topic", "lag", "status", "partitions", "applied", "duplicates",
        "dead_lettered", "e2e_p50_ms", "e2e_p99_ms", "staleness_ms",
    ]

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: LogFormat
    private let output: @Sendable (String) -> Void

    public init(
        label: String, format: LogFormat, level: Logger.Level,
        output: @escaping @Sendable (String) -> Void = StructuredLogHandler.standardOutput
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        output(Self.render(level: event.level, message: "\(event.message)", metadata: merged, format: format))
    }

    /// Formats one line (without the newline).
    public static func render(level: Logger.Level, message: String, metadata: Logger.Metadata, format: LogFormat, date: Date = Date()) -> String {
        var fields: [(String, String)] = [("level", level.rawValue), ("msg", message)]
        let flattened = metadata.mapValues { Self.flatten($0) }
        for key in leadingKeys where flattened[key] != nil { fields.append((key, flattened[key]!)) }
        for key in flattened.keys.sorted() where !leadingKeys.contains(key) { fields.append((key, flattened[key]!)) }
        fields.append(("ts", Self.timestamp(date)))
        switch format {
        case .logfmt:
            return fields.map { "\(sanitizeKey($0.0))=\(logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            let body = fields.map { key, value in
                let rendered = (key != "msg" && key != "level" && Double(value) != nil && value.first != "+") ? value : jsonString(value)
                return "\(jsonString(key)):\(rendered)"
            }
            return "{" + body.joined(separator: ",") + "}"
        }
    }

    @Sendable public static func standardOutput(_ line: String) {
        standardOutputLock.withLock { _ in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    private static let standardOutputLock = Mutex(())

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(flatten).joined(separator: ",")
        case .dictionary(let dictionary): dictionary.keys.sorted().map { "\($0):\(flatten(dictionary[$0]!))" }.joined(separator: ",")
        }
    }

    private static func sanitizeKey(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" ? $0 : "_" })
    }

    private static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "," || $0.isNewline || $0.asciiValue.map { $0 < 0x20 } ?? false }
        guard needsQuotes else { return value }
        return "\"\(escape(value))\""
    }

    private static func jsonString(_ value: String) -> String {
        "\"\(escape(value))\""
    }

    /// Backslash-escapes quotes, backslashes and control characters (the same rules serve logfmt and JSON).
    private static func escape(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 { escaped += String(format: "\\u%04x", scalar.value) } else { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}

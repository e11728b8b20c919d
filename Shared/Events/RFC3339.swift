import Foundation

/// RFC 3339 timestamps in UTC with millisecond precision: `2026-11-22T14:00:00.123Z`.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        date.formatted(style)
    }

    /// Parses with or without fractional seconds; `nil` when the text is not RFC 3339.
    public static func parse(_ text: String) -> Date? {
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }

    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}

import Foundation
import Logging

/// Typed, validated reads of environment variables, done once in `main`.
/// A value that is set but unusable is an error, never silently the default.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public func string(_ name: String, default fallback: String) -> String {
        guard let value = values[name], !value.isEmpty else { return fallback }
        return value
    }

    /// The value, or `nil` when unset or empty.
    public func optionalString(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// A secret: the value of `name`, or the content of the file named by `name_FILE`
    /// (trailing whitespace removed); `nil` when neither is set. Setting both is an
    /// error. The value never appears in an error message.
    public func secret(_ name: String) throws(ConfigurationError) -> String? {
        let direct = optionalString(name)
        guard let path = optionalString("\(name)_FILE") else { return direct }
        guard direct == nil else { throw ConfigurationError("set \(name) or \(name)_FILE, not both") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(name)_FILE=\(path): the file cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ConfigurationError("\(name)_FILE=\(path): the file is empty") }
        return text
    }

    public func integer(_ name: String, default fallback: Int, range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigurationError) -> Int {
        guard let raw = values[name], !raw.isEmpty else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            throw ConfigurationError("\(name)=\(raw) is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// `on`/`off`, `true`/`false`, `1`/`0`, `yes`/`no`.
    public func flag(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let raw = values[name]?.lowercased(), !raw.isEmpty else { return fallback }
        switch raw {
        case "on", "true", "1", "yes": return true
        case "off", "false", "0", "no": return false
        default: throw ConfigurationError("\(name)=\(raw) must be on or off")
        }
    }

    /// A duration written as seconds (`90`) or with a unit: `250ms`, `30s`, `15m`, `24h`.
    public func duration(_ name: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        guard let raw = values[name], !raw.isEmpty else { return fallback }
        guard let value = Self.parseDuration(raw) else {
            throw ConfigurationError("\(name)=\(raw) is not a duration such as 250ms, 30s, 15m, 24h or 7d")
        }
        return value
    }

    public func logLevel(_ name: String = "LOG_LEVEL", default fallback: Logger.Level = .info) throws(ConfigurationError) -> Logger.Level {
        guard let raw = values[name], !raw.isEmpty else { return fallback }
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            throw ConfigurationError("\(name)=\(raw) must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// A duration as the documentation writes it: the largest unit that divides it (`24h`, `7d`, `90s`).
    public static func formatDuration(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (suffix, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds % scale == 0 && milliseconds > 0 {
            return "\(milliseconds / scale)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return .milliseconds(Int64((number * scale * 1000).rounded()))
        }
        guard let seconds = Double(text), seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

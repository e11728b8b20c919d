/// Reads one value out of Prometheus text exposition, for assertions.
public enum MetricText {
    /// The value of the line `name value` (`name` may carry labels: `name{a="b"}`), or `nil`.
    public static func value(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }
}

/// Reads values out of Prometheus text exposition, for assertions.
public enum MetricText {
    /// The value of the line `name value` (`name` may carry labels: `name{a="b"}`), or `nil`.
    public static func value(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// The state a state set is in: the value of `label` on the one series of `name` at 1
    /// (`consumer_status{status="OK"} 1`), or `nil` when there is no such series.
    public static func state(_ name: String, label: String, in text: String) -> String? {
        let prefix = "\(name){\(label)=\""
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) && line.split(separator: " ").last.flatMap({ Double($0) }) == 1 {
            return line.dropFirst(prefix.count).split(separator: "\"").first.map(String.init)
        }
        return nil
    }
}

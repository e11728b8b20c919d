/// One environment variable, typed: its name, its default value (and range), and its
/// documentation. Every variable the services read is one of ``Settings``; the
/// configuration structs read them with `EnvironmentReader.value(_:)`, so a default is
/// written once, here, and the help and the README's table cannot drift from the code.
public struct Setting<Value: Sendable>: Sendable {
    public let defaultValue: Value
    /// For integers: the values accepted (a value outside is a start-up error).
    public let range: ClosedRange<Int>?
    public let documentation: SettingDocumentation

    public var name: String { documentation.name }

    init(_ name: String, default value: Value, range: ClosedRange<Int>? = nil, defaultText: String, values: String, readBy: String, alsoFromFile: Bool = false, help: String) {
        defaultValue = value
        self.range = range
        documentation = SettingDocumentation(name: name, defaultText: defaultText, values: values, readBy: readBy, help: help, alsoFromFile: alsoFromFile)
    }
}

extension Setting where Value == Int {
    /// An integer in `range`; `defaultText` when the default differs by service.
    static func integer(_ name: String, default value: Int, range: ClosedRange<Int>, defaultText: String? = nil, readBy: String, help: String) -> Setting {
        Setting(name, default: value, range: range, defaultText: defaultText ?? "\(value)", values: "\(range.lowerBound)–\(range.upperBound)", readBy: readBy, help: help)
    }
}

extension Setting where Value == Duration {
    /// A duration written as seconds or with a unit (`250ms`, `30s`, `15m`, `24h`, `7d`).
    static func duration(_ name: String, default value: Duration, readBy: String, help: String) -> Setting {
        Setting(name, default: value, defaultText: EnvironmentReader.formatDuration(value), values: "a duration (`90s`, `15m`, `24h`, `7d`)", readBy: readBy, help: help)
    }
}

extension Setting where Value == Bool {
    /// `on` or `off`.
    static func flag(_ name: String, default value: Bool, readBy: String, help: String) -> Setting {
        Setting(name, default: value, defaultText: value ? "on" : "off", values: "on/off", readBy: readBy, help: help)
    }
}

extension Setting where Value == String {
    static func text(_ name: String, default value: String, defaultText: String? = nil, values: String = "", readBy: String, help: String) -> Setting {
        Setting(name, default: value, defaultText: defaultText ?? "`\(value)`", values: values, readBy: readBy, help: help)
    }
}

extension Setting where Value == String? {
    /// No default; `secret` also reads `<name>_FILE` and never shows the value.
    static func optional(_ name: String, defaultText: String = "—", values: String = "", secret: Bool = false, readBy: String, help: String) -> Setting {
        Setting(name, default: nil, defaultText: defaultText, values: values, readBy: readBy, alsoFromFile: secret, help: help)
    }
}

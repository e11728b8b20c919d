/// What the documentation says of one environment variable: its name, its default as
/// written, the values it takes, which processes read it, and what it does. `--help` and
/// the README's configuration table are made from these (``Settings``).
public struct SettingDocumentation: Sendable, Equatable {
    public let name: String
    /// The default as the documentation writes it (`1000`, `24h`, `on`, `—` for none).
    public let defaultText: String
    /// The values it takes (`1–10000`, `on/off`, `a duration`), or empty.
    public let values: String
    /// The processes that read it (`all`, `user-service`, `consumers`, …).
    public let readBy: String
    public let help: String
    /// Whether `<name>_FILE` (a file holding the value) is read too: a secret.
    public let alsoFromFile: Bool
}

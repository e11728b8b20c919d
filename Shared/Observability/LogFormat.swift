/// How log lines are written (`LOG_FORMAT`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `level=info msg="consumer lag" group=… lag=0`
    case logfmt
    /// One JSON object per line.
    case json
}

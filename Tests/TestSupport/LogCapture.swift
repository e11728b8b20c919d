import Logging
import Synchronization

/// Every line a logger writes, with its metadata, kept for assertions (what a secret must
/// never be part of). Captures from `trace` up, whatever `TEST_LOG_LEVEL` says.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// The lines so far, each as `level message key=value…`.
    public var all: [String] { lines.withLock { $0 } }

    public func logger(_ label: String) -> Logger {
        Logger(label: label) { label in CapturingHandler(label: label, capture: self) }
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

/// Hands each line to its ``LogCapture``.
private struct CapturingHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(label) \(event.message) \(rendered)")
    }
}

/// A version outside 1…2^53−1 (``EventVersion/range``), or an increment that would leave it.
public struct VersionOutOfRange: Error, Sendable, Equatable, CustomStringConvertible {
    public let version: Int64
    /// What was asked: `version` (a value read) or `the version after` (an increment).
    public let operation: String

    public init(version: Int64, operation: String) {
        self.version = version
        self.operation = operation
    }

    public var description: String {
        "\(operation) \(version) is outside the range of versions, 1…\(EventVersion.maximum) (2^53−1)"
    }
}

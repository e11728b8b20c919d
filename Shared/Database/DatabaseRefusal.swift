/// A connection attempt that failed: refused by the server (it answered with a reason),
/// or not answered at all.
public struct DatabaseRefusal: Error, CustomStringConvertible, Sendable {
    public let url: PostgresURL
    /// The server's SQLSTATE, when it answered.
    public let sqlState: String?
    public let reason: String

    /// The server refused these credentials or this database (SQLSTATE class 28, or 3D000):
    /// trying again will not help. Without an answer (refused port, timeout) it may.
    public var isPermanent: Bool {
        guard let sqlState else { return false }
        return sqlState.hasPrefix("28") || sqlState == "3D000"
    }

    public var description: String { "cannot connect to \(url): \(reason)" }
}

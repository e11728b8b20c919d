/// Why migrations could not be applied.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        public static let directoryNotFound = Code(description: "directoryNotFound")
        public static let invalidFileName = Code(description: "invalidFileName")
        public static let duplicateVersion = Code(description: "duplicateVersion")
        /// A file that was already applied has changed since.
        public static let checksumMismatch = Code(description: "checksumMismatch")
        public static let failed = Code(description: "failed")
        /// The database lacks migrations the service needs: run `migrate` (as the owner role).
        public static let behind = Code(description: "behind")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "MigrationError.\(code): \(message)" }
}

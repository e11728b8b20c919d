/// Why a rebuild did not start or did not finish, in words for the operator.
public struct RebuildError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        let name: String
        /// The topic no longer holds the whole history and `--from-snapshot` was not given.
        public static let historyLost = Code(name: "history lost")
        /// Another rebuild of this database is running.
        public static let alreadyRunning = Code(name: "already running")
        /// The shadow consumer stopped on its own (its error is in the log).
        public static let shadowStopped = Code(name: "shadow consumer stopped")
        /// The switch could not be made (the rebuilt projection did not catch up, or a lock was not granted in time).
        public static let switchFailed = Code(name: "switch failed")
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

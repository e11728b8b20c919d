/// Runs an operation with a time limit, for checks that must answer even when
/// what they check hangs (a readiness probe against a database that is down).
public enum TimeLimit {
    /// The operation's result, or `nil` if it did not finish within `limit`
    /// (it is then cancelled) or threw.
    public static func run<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { try? await operation() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

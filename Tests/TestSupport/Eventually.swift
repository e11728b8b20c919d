import Foundation

/// A condition that did not become true within its time limit.
public struct ConditionTimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Re-evaluates `condition` every `interval` until it is true, and fails with
/// `description` if `timeout` passes first (evaluated then, so it can show the
/// last observed value).
/// This is the suites' only way to wait: a bounded wait on a condition, never a blind sleep.
public func eventually(
    _ description: @autoclosure () -> String,
    timeout: Duration = .seconds(20),
    interval: Duration = .milliseconds(50),
    condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        if clock.now >= deadline {
            throw ConditionTimedOut(description: "timed out after \(timeout) waiting until \(description())")
        }
        try await Task.sleep(for: interval)
    }
}

/// Polls `produce` until it returns a value, failing after `timeout`.
public func eventuallyValue<T>(
    _ description: @autoclosure () -> String,
    timeout: Duration = .seconds(20),
    interval: Duration = .milliseconds(50),
    produce: () async throws -> T?
) async throws -> T {
    var result: T?
    try await eventually(description(), timeout: timeout, interval: interval) {
        result = try await produce()
        return result != nil
    }
    return result!
}

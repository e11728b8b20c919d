import PostgresNIO
import Synchronization

/// Watches one connection's close for every call made on it, with a single callback on
/// the connection's close future.
///
/// A guarded call must fail the moment its connection closes. Adding a callback to the
/// close future per call would be simplest, but a future keeps every callback until it
/// completes: on a pooled connection that lives for hours, that is one more closure and
/// its captures per query, forever (user-service grew to about 1 GB resident after some
/// 60,000 writes). Here a call registers while it runs and unregisters when it ends.
public final class ConnectionCloseWatch: Sendable {
    /// A call's place in the watch, so it can leave when it ends.
    public final class Registration: Sendable {
        fileprivate let token = Mutex<UInt64?>(nil)
        public init() {}
    }

    private struct State {
        var closed = false
        var nextToken: UInt64 = 0
        var waiters: [UInt64: @Sendable (any Error) -> Void] = [:]
    }

    private let state = Mutex(State())

    /// The watch of each open connection, created on its first guarded call, removed when it closes.
    private static let watches = Mutex<[ObjectIdentifier: ConnectionCloseWatch]>([:])

    /// The watch of `connection` (one per connection, for its lifetime).
    public static func of(_ connection: PostgresConnection) -> ConnectionCloseWatch {
        let key = ObjectIdentifier(connection)
        let (watch, created) = watches.withLock { watches in
            if let existing = watches[key] { return (existing, false) }
            let watch = ConnectionCloseWatch()
            watches[key] = watch
            return (watch, true)
        }
        if created {
            connection.closeFuture.whenComplete { _ in
                watches.withLock { watches in
                    if watches[key] === watch { watches[key] = nil }
                }
                watch.close()
            }
        }
        return watch
    }

    /// Calls `interrupt` with ``DatabaseConnectionLost`` when the connection closes, or at
    /// once if it has; `registration` remembers the place until ``leave(_:)``.
    public func join(_ registration: Registration, interrupt: @escaping @Sendable (any Error) -> Void) {
        let alreadyClosed = state.withLock { state -> Bool in
            if state.closed { return true }
            let token = state.nextToken
            state.nextToken += 1
            state.waiters[token] = interrupt
            registration.token.withLock { $0 = token }
            return false
        }
        if alreadyClosed { interrupt(DatabaseConnectionLost()) }
    }

    /// The call ended: it no longer needs to hear of the close.
    public func leave(_ registration: Registration) {
        guard let token = registration.token.withLock({ $0 }) else { return }
        _ = state.withLock { $0.waiters.removeValue(forKey: token) }
    }

    /// Calls still waiting to hear of the close (for the tests).
    public var waiting: Int { state.withLock { $0.waiters.count } }

    private func close() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for interrupt in waiters { interrupt(DatabaseConnectionLost()) }
    }
}

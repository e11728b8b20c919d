import AsyncPrimitives
import Database
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Wakes requests that wait for a user's document to change (`minVersion` +
/// `waitMs`) when any instance of search-service indexes it.
///
/// The projection sends `NOTIFY search_indexed '<id>,<id>,…'` in its
/// transaction, so the notification arrives when the change is visible. This
/// service listens on a connection of its own and signals the waiters of
/// those users; a waiter then reads its document once. Waiters also re-check
/// on their own every 500 ms, so a lost connection costs latency, not answers.
final class IndexNotifications: Service, Sendable {
    /// One waiting request. Register before reading the document: a signal that
    /// arrives between the read and the wait is kept, not lost.
    struct Waiter: Sendable {
        let id: Int
        let userID: UUID
        let signal: WakeUpSignal
    }

    private let waiters = Mutex<(byUser: [UUID: [Int: WakeUpSignal]], count: Int)>(([:], 0))
    /// At most this many requests wait at once on this instance (each holds a connection and a
    /// task); past it `register` refuses, and the request is answered 503 with `Retry-After`.
    let maximumWaiters: Int
    static let defaultMaximumWaiters = 1000
    private let nextID = Atomic<Int>(0)
    private let database: PostgresURL
    private let logger: Logger
    private let retry = RetryPolicy.connection

    init(database: PostgresURL, logger: Logger, maximumWaiters: Int = IndexNotifications.defaultMaximumWaiters) {
        self.database = database
        self.logger = logger
        self.maximumWaiters = maximumWaiters
    }

    /// A new waiter, or `nil` when ``maximumWaiters`` requests already wait.
    func register(_ userID: UUID) -> Waiter? {
        let waiter = Waiter(id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, userID: userID, signal: WakeUpSignal())
        return waiters.withLock { state in
            guard state.count < maximumWaiters else { return nil }
            state.byUser[userID, default: [:]][waiter.id] = waiter.signal
            state.count += 1
            return waiter
        }
    }

    func unregister(_ waiter: Waiter) {
        waiters.withLock { state in
            guard state.byUser[waiter.userID]?.removeValue(forKey: waiter.id) != nil else { return }
            state.count -= 1
            if state.byUser[waiter.userID]?.isEmpty == true { state.byUser[waiter.userID] = nil }
        }
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.listen() }
        } catch is CancellationError {}
    }

    private func listen() async throws {
        try await DedicatedConnection.run(database, id: 2, retry: retry, logger: logger, onRetry: { error, _, _ in
            logger.warning("index notifications: listening failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
        }) { connection in
            try await connection.listen(on: SearchProjection.channel) { notifications in
                self.wakeAll() // whatever changed while nobody listened
                for try await notification in notifications { self.wake(notification.payload) }
            }
        }
    }

    private func wake(_ payload: String) {
        let ids = payload.split(separator: ",").compactMap { UUID(uuidString: String($0)) }
        let signals = waiters.withLock { state in ids.flatMap { state.byUser[$0].map { Array($0.values) } ?? [] } }
        for signal in signals { signal.signal() }
    }

    private func wakeAll() {
        for signal in waiters.withLock({ $0.byUser.values.flatMap(\.values) }) { signal.signal() }
    }
}

import Consistency
import Database
import Foundation
import Logging
import PostgresNIO

/// Publishes the source's current state as repair events through the outbox:
/// every live user's `UserProfileUpdated` and every kept tombstone's
/// `UserDeleted`, chunk by chunk in id order, each chunk in a short transaction
/// that locks no user, so writes go on. A user written meanwhile is harmless:
/// projections apply a repair only when its version is at least the stored one.
/// Running it twice only sends the same truth again.
///
/// Paced, so the pipeline's extra work never crowds out the live traffic: at most
/// ``Pace/rate`` rows a second (in chunks of a tenth of a second), and never while the
/// outbox holds more than ``Pace/maxPending`` unpublished rows (the relay and the
/// consumers set the speed; real writes never queue behind a long snapshot backlog).
struct Snapshot: Sendable {
    let database: DatabaseClient
    let store: UserStore
    let logger: Logger

    /// How fast the snapshot may go; `nil` limits nothing.
    struct Pace: Sendable {
        var rate: Int?
        var maxPending: Int?
        static let unlimited = Pace(rate: nil, maxPending: nil)
    }

    struct Progress: Sendable {
        var users = 0
        var totalUsers = 0
        var tombstones = 0
        var totalTombstones = 0
        /// Set while the snapshot waits for the relay: the outbox rows still unpublished, counted up to one above the limit.
        var waitingForRelay: Int?
    }

    static let correlationID = "snapshot"

    func run(chunk: Int, pace: Pace = .unlimited, report: (Progress) -> Void) async throws -> Progress {
        var progress = Progress()
        let chunk = pace.rate.map { min(chunk, max(1, $0 / 10)) } ?? chunk
        let clock = ContinuousClock()
        let started = clock.now
        /// Waits until the rate allows the next chunk and the relay has caught up enough.
        func paced() async throws {
            if let rate = pace.rate {
                try await clock.sleep(until: started + .seconds(Double(progress.users + progress.tombstones) / Double(rate)))
            }
            guard let maxPending = pace.maxPending else { return }
            while true {
                let pending = try await store.unpublishedOutboxRows(countingUpTo: maxPending + 1)
                guard pending > maxPending else { break }
                progress.waitingForRelay = pending
                report(progress)
                try await Task.sleep(for: .milliseconds(50))
            }
            progress.waitingForRelay = nil
        }
        (progress.totalUsers, progress.totalTombstones) = try await store.counts()
        report(progress)
        var after = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        while true {
            try await paced()
            let now = UserStore.now()
            // The snapshot's own time as its events' time.
            let users = try await store.users(after: after, limit: chunk).map { user in
                var user = user
                user.updatedAt = now
                return user
            }
            guard let last = users.last else { break }
            let store = self.store
            let events = try users.map { try UserEvent.profileUpdated($0, changedFields: [], correlationID: Self.correlationID, repair: true) }
            try await database.withConnection { connection in try await store.insertOutbox(events, on: connection) }
            after = last.id
            progress.users += users.count
            report(progress)
        }
        after = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        while true {
            try await paced()
            let tombstones = try await store.tombstones(after: after, limit: chunk)
            guard let last = tombstones.last else { break }
            let store = self.store
            let events = try tombstones.map { id, version in
                try UserEvent.deleted(userID: id, version: version, at: UserStore.now(), correlationID: Self.correlationID, repair: true)
            }
            try await database.withConnection { connection in try await store.insertOutbox(events, on: connection) }
            after = last.id
            progress.tombstones += tombstones.count
            report(progress)
        }
        return progress
    }
}

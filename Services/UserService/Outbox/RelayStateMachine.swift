import Foundation
import Kafka

/// The outbox relay's decisions, as a state machine: the leader's loop feeds it what happened
/// (rows read, records sent, delivery reports in, a `NOTIFY`, a wait that timed out) and asks
/// it what to do next (read, mark published, back off, heartbeat, purge, wait). It does no
/// I/O and reads no clock (the loop passes `now`), so every rule is a plain unit test
/// (`RelayStateMachineTests`).
///
/// ``nextAction(now:)`` takes the decision: the machine counts the action as done (a
/// heartbeat round as started, a purge as run, a backoff as slept). That holds because an
/// action that fails ends the loop, and the machine with it: the relay reconnects and starts
/// from the outbox again with a new machine.
///
/// The rules, in the order they are tried:
/// 1. **Read** while rows may be waiting (at start, after a full batch, a `NOTIFY` or the
///    safety-net poll) and fewer than `batchesInFlight` batches are with the producer; never
///    after a failed delivery until the backoff is over. A read excludes the rows in flight.
/// 2. **Mark published** the oldest batches whose reports are all in, so rows are marked in
///    id order. A failed delivery blocks its user: none of that user's later rows (in its
///    batch or any batch in flight behind it) is marked, even if delivered, so they are sent
///    again after the failed one; other users' delivered rows are marked.
/// 3. **Back off** once a failed round has nothing left in flight (attempt *n* of
///    consecutive failed rounds), then read again from the oldest unpublished row.
/// 4. **Heartbeat** every `heartbeatInterval` (not while a failed round settles): a round to
///    every partition, unless the last is still unacknowledged (then only the pending count,
///    and a warning past `waitingWarningInterval`).
/// 5. **Purge** at most every `purgeInterval`, when nothing is in flight and nothing waits.
/// 6. **Wait** for a `NOTIFY` or a delivery, at most until the poll or the next heartbeat
///    (not a heartbeat held back by a failed round).
struct RelayStateMachine: Sendable {
    /// What the loop does next.
    enum Action: Sendable {
        /// Read the oldest unpublished rows, in id order, leaving out these (in flight); report
        /// them with ``read(_:now:)`` and send them under the id it returns.
        case read(excluding: [Int64])
        /// Mark these rows published and record what the settled batches say.
        case markPublished(Settled)
        /// A failed round is settled: refresh the pending count, sleep the backoff for this
        /// attempt (consecutive failed rounds, from 1), then go on.
        case backOff(attempt: Int)
        /// A heartbeat round is due: refresh the pending count and take the watermark, then
        /// send a round (report it with ``heartbeatsSent(watermark:now:)``).
        case sendHeartbeats
        /// A heartbeat round is due but the last is unacknowledged (the broker is unreachable):
        /// refresh the pending count only; another round would just queue behind the first.
        /// With a warning to log if the records have waited long.
        case awaitHeartbeats(warning: WaitingWarning?)
        /// Delete published rows and tombstones past their retention.
        case purge
        /// Wait for a wake-up (`NOTIFY`, a batch's reports) at most this long, then report
        /// with ``waited(wokenUp:)``.
        case wait(timeout: Duration)
    }

    /// What the oldest batches whose reports are all in say, to be written down at once.
    struct Settled: Sendable {
        /// Delivered rows to mark published, in id order: none of a user a delivery failed for.
        var rows: [OutboxRow] = []
        /// Rows not marked: failed, or delivered behind a failure of the same user. Each is
        /// sent again after the backoff.
        var notMarked = 0
        /// The first failure among them, for the log.
        var firstError: KafkaError?
        /// The heartbeat rounds among them.
        var heartbeats: [SettledHeartbeats] = []
        /// The users a delivery failed for, that were not blocked before.
        var newlyBlockedUsers: Set<UUID> = []
    }

    /// A heartbeat round whose reports are all in.
    struct SettledHeartbeats: Sendable, Equatable {
        var watermark: Date
        /// Partitions whose heartbeat was not delivered (the next round tries again).
        var failed: Int
    }

    /// The records sent have not been acknowledged for a while.
    struct WaitingWarning: Sendable, Equatable {
        /// Since the oldest unacknowledged heartbeat round was sent.
        var waited: Duration
        var batchesInFlight: Int
    }

    let configuration: OutboxRelayConfiguration
    /// The records with the producer are reported unacknowledged after this long, and again
    /// at most this often.
    let waitingWarningInterval: Duration

    /// Oldest first.
    private(set) var inFlight: [InFlightBatch] = []
    private var nextBatchID: InFlightBatch.ID = 0
    /// Rows may be waiting: at start, after a full batch, a `NOTIFY` or the poll.
    private var readAgain = true
    /// A delivery failed: nothing new is read until the round settles and the relay backs off.
    private var failed = false
    /// Users a delivery failed for in this round: none of their later rows is marked.
    private(set) var blockedUsers: Set<UUID> = []
    /// Consecutive failed rounds.
    private(set) var failures = 0
    private var lastHeartbeat: ContinuousClock.Instant
    private var lastPurge: ContinuousClock.Instant
    private var lastWaitingWarning: ContinuousClock.Instant

    /// A machine for a new leader at `now`: it reads first, then heartbeats and purges at once.
    init(configuration: OutboxRelayConfiguration, now: ContinuousClock.Instant, waitingWarningInterval: Duration = .seconds(10)) {
        self.configuration = configuration
        self.waitingWarningInterval = waitingWarningInterval
        lastHeartbeat = now - configuration.heartbeatInterval
        lastPurge = now - configuration.purgeInterval
        lastWaitingWarning = now - waitingWarningInterval
    }

    // MARK: Events

    /// A `NOTIFY` arrived: rows were committed since the last read.
    mutating func rowsCommitted() {
        readAgain = true
    }

    /// The rows a ``Action/read(excluding:)`` returned. Returns the id to send them under, or
    /// `nil` if there are none. A full batch means more may be waiting: read again.
    mutating func read(_ rows: [OutboxRow], now: ContinuousClock.Instant) -> InFlightBatch.ID? {
        readAgain = rows.count == configuration.batchSize
        guard !rows.isEmpty else { return nil }
        return append(.rows(rows), now: now)
    }

    /// A heartbeat round was sent; returns its id.
    mutating func heartbeatsSent(watermark: Date, now: ContinuousClock.Instant) -> InFlightBatch.ID {
        append(.heartbeats(watermark: watermark), now: now)
    }

    /// Every delivery report of a batch is in, one result per record in the order sent.
    mutating func delivered(_ id: InFlightBatch.ID, results: [Result<KafkaDeliveryReport, KafkaError>]) {
        guard let index = inFlight.firstIndex(where: { $0.id == id }) else { return }
        inFlight[index].results = results
    }

    /// A ``Action/wait(timeout:)`` ended: woken up, or the poll's time is up (read again).
    mutating func waited(wokenUp: Bool) {
        if !wokenUp { readAgain = true }
    }

    // MARK: Decisions

    /// What to do next; the machine counts it as done (see the type's notes).
    mutating func nextAction(now: ContinuousClock.Instant) -> Action {
        if !failed, readAgain, inFlight.count < configuration.batchesInFlight {
            return .read(excluding: inFlight.flatMap(\.rowIDs))
        }
        let settledCount = inFlight.prefix { $0.results != nil }.count
        if settledCount > 0 {
            let batches = inFlight.prefix(settledCount)
            inFlight.removeFirst(settledCount)
            return .markPublished(settle(batches))
        }
        if failed && inFlight.isEmpty {
            failures += 1
            failed = false
            blockedUsers = []
            readAgain = true // from the oldest unpublished row: the failed ones first
            return .backOff(attempt: failures)
        }
        if !failed && now - lastHeartbeat >= configuration.heartbeatInterval {
            lastHeartbeat = now
            guard let waiting = inFlight.first(where: \.isHeartbeats) else { return .sendHeartbeats }
            let waited = now - waiting.sentAt
            guard waited >= waitingWarningInterval, now - lastWaitingWarning >= waitingWarningInterval else {
                return .awaitHeartbeats(warning: nil)
            }
            lastWaitingWarning = now
            return .awaitHeartbeats(warning: WaitingWarning(waited: waited, batchesInFlight: inFlight.count))
        }
        if inFlight.isEmpty && !readAgain && now - lastPurge >= configuration.purgeInterval {
            lastPurge = now
            return .purge
        }
        // While a failed round settles no heartbeat is sent, so an overdue one must not cut the
        // wait to zero: the loop would spin until the last reports come in (the reports wake it).
        let untilHeartbeat = failed ? configuration.pollInterval : configuration.heartbeatInterval - (now - lastHeartbeat)
        return .wait(timeout: max(.zero, min(configuration.pollInterval, untilHeartbeat)))
    }

    // MARK: Private

    private mutating func append(_ content: InFlightBatch.Content, now: ContinuousClock.Instant) -> InFlightBatch.ID {
        let id = nextBatchID
        nextBatchID += 1
        inFlight.append(InFlightBatch(id: id, content: content, sentAt: now))
        return id
    }

    /// Reads the reports of settled batches, oldest first, blocking the users a delivery failed for.
    private mutating func settle(_ batches: ArraySlice<InFlightBatch>) -> Settled {
        var settled = Settled()
        var blocked = blockedUsers
        for batch in batches {
            let results = batch.results ?? []
            switch batch.content {
            case .heartbeats(let watermark):
                let failed = results.count { if case .failure = $0 { true } else { false } }
                settled.heartbeats.append(SettledHeartbeats(watermark: watermark, failed: failed))
            case .rows(let rows):
                for (row, result) in zip(rows, results) {
                    switch result {
                    case .success where !blocked.contains(row.aggregateID):
                        settled.rows.append(row)
                    case .success:
                        settled.notMarked += 1 // delivered after an earlier failure of the same user: sent again, in order
                    case .failure(let error):
                        settled.notMarked += 1
                        blocked.insert(row.aggregateID)
                        settled.firstError = settled.firstError ?? error
                    }
                }
            }
        }
        settled.newlyBlockedUsers = blocked.subtracting(blockedUsers)
        blockedUsers = blocked
        if !settled.newlyBlockedUsers.isEmpty {
            failed = true
        } else if !settled.rows.isEmpty && !failed {
            failures = 0 // a round published something and nothing failed
        }
        return settled
    }
}

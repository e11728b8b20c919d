import Foundation
import Kafka
import Testing
@testable import UserService

/// The relay's decisions, without a database or a broker: the tests play the loop, feeding the
/// machine what happened and checking what it asks for next.
@Suite("relay state machine: read, mark, back off, heartbeat, purge")
struct RelayStateMachineTests {
    static let t0 = ContinuousClock.now
    static let alice = UUID()
    static let bob = UUID()

    static let delivered: Result<KafkaDeliveryReport, KafkaError> = .success(KafkaDeliveryReport(topic: "user-events", partition: 0, offset: 0))
    static let refused: Result<KafkaDeliveryReport, KafkaError> =
        .failure(KafkaError(code: .messageSizeTooLarge, message: "refused by the broker", isRetriable: false))

    /// Batches of 2 rows, 3 batches in flight, a poll every second, heartbeats every 5 s, a purge every minute.
    static func configuration(heartbeatInterval: Duration = .seconds(5)) -> OutboxRelayConfiguration {
        var configuration = OutboxRelayConfiguration()
        configuration.batchSize = 2
        configuration.batchesInFlight = 3
        configuration.pollInterval = .seconds(1)
        configuration.heartbeatInterval = heartbeatInterval
        configuration.purgeInterval = .seconds(60)
        return configuration
    }

    static func row(_ id: Int64, of user: UUID) -> OutboxRow {
        OutboxRow(id: id, aggregateID: user, payload: "{}", createdAt: Date())
    }

    /// Reports `rows` read for a ``RelayStateMachine/Action/read(excluding:)`` and returns the id to send them under.
    static func send(_ rows: [OutboxRow], into machine: inout RelayStateMachine, now: ContinuousClock.Instant = t0) throws -> InFlightBatch.ID {
        let id = machine.read(rows, now: now)
        return try #require(id, "rows read are sent")
    }

    /// A new leader's machine at `t0` once it has found the outbox empty, had its first heartbeat
    /// round acknowledged and purged: it waits for a `NOTIFY` or the poll.
    static func idle(_ configuration: OutboxRelayConfiguration = configuration()) -> RelayStateMachine {
        var machine = RelayStateMachine(configuration: configuration, now: t0)
        #expect(machine.nextAction(now: t0).kind == .read(excluding: []), "a new leader reads first")
        #expect(machine.read([], now: t0) == nil, "nothing to send")
        #expect(machine.nextAction(now: t0).kind == .sendHeartbeats, "then a heartbeat round at once")
        let heartbeats = machine.heartbeatsSent(watermark: Date(), now: t0)
        machine.delivered(heartbeats, results: [delivered, delivered])
        #expect(machine.nextAction(now: t0).kind == .markPublished(rows: [], notMarked: 0))
        #expect(machine.nextAction(now: t0).kind == .purge, "and a purge at once")
        #expect(machine.nextAction(now: t0).kind == .wait(timeout: configuration.pollInterval))
        return machine
    }

    @Test
    func fullBatchesAreReadBackToBackUpToTheBatchesInFlightLimit() throws {
        var machine = Self.idle()
        machine.rowsCommitted()
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: []))
        let first = try Self.send([Self.row(1, of: Self.alice), Self.row(2, of: Self.bob)], into: &machine)
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: [1, 2]), "a full batch: more may wait; the rows in flight are left out")
        _ = machine.read([Self.row(3, of: Self.alice), Self.row(4, of: Self.bob)], now: Self.t0)
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: [1, 2, 3, 4]))
        _ = machine.read([Self.row(5, of: Self.alice), Self.row(6, of: Self.bob)], now: Self.t0)

        machine.rowsCommitted()
        #expect(machine.nextAction(now: Self.t0).kind == .wait(timeout: .seconds(1)), "three batches in flight: no fourth, even after a NOTIFY")
        machine.delivered(first, results: [Self.delivered, Self.delivered])
        #expect(machine.nextAction(now: Self.t0).kind == .markPublished(rows: [1, 2], notMarked: 0))
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: [3, 4, 5, 6]), "room again: the next batch is read")
    }

    @Test
    func aShortBatchMeansReadAgainOnlyAfterANotifyOrThePoll() {
        var machine = Self.idle()
        machine.rowsCommitted()
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: []))
        _ = machine.read([Self.row(1, of: Self.alice)], now: Self.t0)
        #expect(machine.nextAction(now: Self.t0).kind == .wait(timeout: .seconds(1)), "fewer rows than a batch: the outbox is drained")
        machine.waited(wokenUp: true) // a delivery report, not a NOTIFY
        #expect(machine.nextAction(now: Self.t0).kind == .wait(timeout: .seconds(1)))
        machine.waited(wokenUp: false)
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: [1]), "the safety-net poll reads again")
    }

    @Test
    func batchesAreMarkedOldestFirstOnlyOnceEveryEarlierBatchIsSettled() throws {
        var machine = Self.idle()
        machine.rowsCommitted()
        _ = machine.nextAction(now: Self.t0)
        let first = try Self.send([Self.row(1, of: Self.alice), Self.row(2, of: Self.bob)], into: &machine, now: Self.t0)
        _ = machine.nextAction(now: Self.t0)
        let second = try Self.send([Self.row(3, of: Self.alice)], into: &machine, now: Self.t0)

        machine.delivered(second, results: [Self.delivered])
        #expect(machine.nextAction(now: Self.t0).kind == .wait(timeout: .seconds(1)), "the later batch waits for the earlier one's reports")
        machine.delivered(first, results: [Self.delivered, Self.delivered])
        #expect(machine.nextAction(now: Self.t0).kind == .markPublished(rows: [1, 2, 3], notMarked: 0), "both, in id order, in one statement")
        #expect(machine.inFlight.isEmpty)
    }

    @Test
    func aFailedDeliveryHoldsBackThatUsersLaterRowsWhileOtherUsersRowsAreMarked() throws {
        var machine = Self.idle()
        machine.rowsCommitted()
        _ = machine.nextAction(now: Self.t0)
        // Alice's row 1 fails; her row 3, delivered behind it, must not be marked; Bob's rows go on.
        let first = try Self.send([Self.row(1, of: Self.alice), Self.row(2, of: Self.bob)], into: &machine, now: Self.t0)
        _ = machine.nextAction(now: Self.t0)
        let second = try Self.send([Self.row(3, of: Self.alice), Self.row(4, of: Self.bob)], into: &machine, now: Self.t0)
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: [1, 2, 3, 4]))
        #expect(machine.read([], now: Self.t0) == nil, "nothing more")

        machine.delivered(first, results: [Self.refused, Self.delivered])
        let settled = try #require(machine.nextAction(now: Self.t0).settled)
        #expect(settled.rows.map(\.id) == [2], "Bob's row is marked")
        #expect(settled.notMarked == 1)
        #expect(settled.firstError?.code == .messageSizeTooLarge)
        #expect(settled.newlyBlockedUsers == [Self.alice])

        machine.rowsCommitted()
        #expect(machine.nextAction(now: Self.t0).kind == .wait(timeout: .seconds(1)),
                "after a failure nothing new is read (and no row of Alice's sent) until the round settles")
        machine.delivered(second, results: [Self.delivered, Self.delivered])
        #expect(machine.nextAction(now: Self.t0).kind == .markPublished(rows: [4], notMarked: 1),
                "Alice's later row stays unpublished although delivered: it is sent again after row 1")
        #expect(machine.nextAction(now: Self.t0).kind == .backOff(attempt: 1), "the round has settled: back off")
        #expect(machine.blockedUsers.isEmpty)
        #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: []), "then from the oldest unpublished row: Alice's row 1 first")
    }

    @Test
    func consecutiveFailedRoundsBackOffLongerAndAPublishingRoundStartsTheCountAgain() throws {
        var machine = Self.idle()
        func round(_ result: Result<KafkaDeliveryReport, KafkaError>) throws -> RelayStateMachine.Action.Kind {
            #expect(machine.nextAction(now: Self.t0).kind == .read(excluding: []))
            let batch = try Self.send([Self.row(1, of: Self.alice)], into: &machine, now: Self.t0)
            machine.delivered(batch, results: [result])
            _ = machine.nextAction(now: Self.t0) // marks (or not)
            return machine.nextAction(now: Self.t0).kind
        }
        machine.rowsCommitted()
        #expect(try round(Self.refused) == .backOff(attempt: 1))
        #expect(try round(Self.refused) == .backOff(attempt: 2))
        #expect(try round(Self.refused) == .backOff(attempt: 3))
        #expect(try round(Self.delivered) != .backOff(attempt: 4))
        #expect(machine.failures == 0, "a round that published and failed nothing starts the count again")
        machine.rowsCommitted()
        #expect(try round(Self.refused) == .backOff(attempt: 1))
    }

    @Test
    func heartbeatRoundsGoOutEveryIntervalOneAtATimeWithAWarningWhileUnacknowledged() throws {
        var machine = Self.idle()
        let t0 = Self.t0
        #expect(machine.nextAction(now: t0 + .milliseconds(4500)).kind == .wait(timeout: .milliseconds(500)), "the wait ends at the next heartbeat")
        #expect(machine.nextAction(now: t0 + .seconds(5)).kind == .sendHeartbeats)
        let round = machine.heartbeatsSent(watermark: Date(), now: t0 + .seconds(5))
        #expect(machine.nextAction(now: t0 + .seconds(6)).kind == .wait(timeout: .seconds(1)))

        // Unacknowledged (the broker is unreachable): no second round; a warning once it has waited 10 s, then every 10 s.
        #expect(machine.nextAction(now: t0 + .seconds(10)).kind == .awaitHeartbeats(warning: nil))
        #expect(machine.nextAction(now: t0 + .seconds(15)).kind == .awaitHeartbeats(warning: .init(waited: .seconds(10), batchesInFlight: 1)))
        #expect(machine.nextAction(now: t0 + .seconds(20)).kind == .awaitHeartbeats(warning: nil), "not again within 10 s")
        #expect(machine.nextAction(now: t0 + .seconds(25)).kind == .awaitHeartbeats(warning: .init(waited: .seconds(20), batchesInFlight: 1)))

        machine.delivered(round, results: [Self.delivered, Self.refused])
        let settled = try #require(machine.nextAction(now: t0 + .seconds(26)).settled)
        #expect(settled.heartbeats.map(\.failed) == [1], "a heartbeat that failed is reported")
        #expect(settled.newlyBlockedUsers.isEmpty, "and blocks nothing")
        #expect(machine.nextAction(now: t0 + .seconds(30)).kind == .sendHeartbeats, "the next round tries again")
    }

    @Test
    func noHeartbeatRoundAndNoSpinningWhileAFailedRoundSettles() throws {
        var machine = Self.idle()
        machine.rowsCommitted()
        _ = machine.nextAction(now: Self.t0)
        let first = try Self.send([Self.row(1, of: Self.alice), Self.row(2, of: Self.bob)], into: &machine, now: Self.t0)
        _ = machine.nextAction(now: Self.t0)
        _ = try Self.send([Self.row(3, of: Self.alice)], into: &machine, now: Self.t0)
        machine.delivered(first, results: [Self.refused, Self.delivered])
        _ = machine.nextAction(now: Self.t0)
        let later = Self.t0 + .seconds(60)
        #expect(machine.nextAction(now: later).kind == .wait(timeout: .seconds(1)),
                "the heartbeat (and the purge) wait for the backoff, and the overdue heartbeat does not make the loop spin")
    }

    @Test
    func thePurgeRunsOnlyWhenNothingIsInFlightOrWaitingAndAtMostEveryInterval() throws {
        // Heartbeats far apart, so that only the purge's own rule is seen.
        var machine = Self.idle(Self.configuration(heartbeatInterval: .seconds(3600)))
        #expect(machine.nextAction(now: Self.t0 + .seconds(30)).kind == .wait(timeout: .seconds(1)), "purged at start: not again within a minute")

        machine.rowsCommitted()
        #expect(machine.nextAction(now: Self.t0 + .seconds(60)).kind == .read(excluding: []), "rows may be waiting: they come first")
        let batch = try Self.send([Self.row(1, of: Self.alice)], into: &machine, now: Self.t0 + .seconds(60))
        #expect(machine.nextAction(now: Self.t0 + .seconds(60)).kind == .wait(timeout: .seconds(1)), "a batch in flight: no purge")
        machine.delivered(batch, results: [Self.delivered])
        #expect(machine.nextAction(now: Self.t0 + .seconds(61)).kind == .markPublished(rows: [1], notMarked: 0))
        #expect(machine.nextAction(now: Self.t0 + .seconds(61)).kind == .purge, "idle and a minute since the last")
        #expect(machine.nextAction(now: Self.t0 + .seconds(62)).kind == .wait(timeout: .seconds(1)))
    }
}

extension RelayStateMachine.Action {
    /// The action with its rows as ids, comparable in `#expect`.
    enum Kind: Equatable {
        case read(excluding: [Int64])
        case markPublished(rows: [Int64], notMarked: Int)
        case backOff(attempt: Int)
        case sendHeartbeats
        case awaitHeartbeats(warning: RelayStateMachine.WaitingWarning?)
        case purge
        case wait(timeout: Duration)
    }

    var kind: Kind {
        switch self {
        case .read(let excluded): .read(excluding: excluded)
        case .markPublished(let settled): .markPublished(rows: settled.rows.map(\.id), notMarked: settled.notMarked)
        case .backOff(let attempt): .backOff(attempt: attempt)
        case .sendHeartbeats: .sendHeartbeats
        case .awaitHeartbeats(let warning): .awaitHeartbeats(warning: warning)
        case .purge: .purge
        case .wait(let timeout): .wait(timeout: timeout)
        }
    }

    var settled: RelayStateMachine.Settled? {
        if case .markPublished(let settled) = self { settled } else { nil }
    }
}

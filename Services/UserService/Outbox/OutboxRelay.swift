import AsyncPrimitives
import Database
import Events
import Foundation
import Kafka
import Logging
import Observability
import PostgresNIO
import Prometheus
import ServiceLifecycle
import Tracing

/// Publishes outbox rows to Kafka, at least once, in id order per user.
///
/// - One active relay across replicas: the leader holds a PostgreSQL advisory
///   lock on its own connection; standbys retry every second, so when the
///   leader dies (and its connection with it) another takes over within seconds.
/// - Woken by `LISTEN outbox_events` (a trigger notifies on commit), with a
///   periodic poll as the safety net.
/// - Pipelined: up to `batchesInFlight` batches are with the producer at once. Each read
///   takes the oldest unpublished rows that are not in flight (never a "last id"
///   high-water mark: transactions commit out of id order) and hands them to the
///   idempotent producer without waiting; batches whose delivery reports are all in are
///   marked published oldest first, so rows are marked in id order.
/// - The broker unreachable: records never time out in the producer, so they wait in it
///   in order and are delivered in order once it returns (librdkafka reconnects with its
///   own capped backoff); one heartbeat round at a time is in flight, and past 10 s the
///   relay says it is waiting. The API keeps accepting writes meanwhile.
/// - A failed delivery (an error the producer does not retry) stops marking that user's
///   later rows (in its batch and in every batch already in flight behind it) and stops
///   reading; once nothing is in flight the relay backs off (exponential, capped) and
///   starts again from the oldest unpublished row, so they are re-sent after it (with
///   possible duplicates, which consumers absorb). A later row of that user already handed
///   to the producer may still reach the topic before the re-sent one: only an error that
///   fails one record and not the next can do that, and consumers apply by version anyway.
/// - Database trouble: the connection is replaced with exponential, capped backoff.
/// - When to read, mark, back off, heartbeat and purge is decided by ``RelayStateMachine``
///   (which does no I/O and is unit-tested rule by rule); this type carries the actions out.
/// - Marking a deleted user's rows published also purges its personal data from everything
///   user-service still keeps: its published rows and its stored idempotent answers
///   (``MarkPublishedStatement``), in the round that publishes its `UserDeleted`.
struct OutboxRelay: Service {
    static let advisoryLockKey: Int64 = 0x6F75_7462_6F78 // "outbox"
    static let channel = "outbox_events"

    /// The relay's own connection is opened from this (see `standByThenLead(on:)`).
    let database: PostgresURL
    let producer: KafkaProducer
    /// For the topic's partitions, which every heartbeat round covers.
    let admin: KafkaAdmin
    let configuration: OutboxRelayConfiguration
    /// Every record produced is signed with it (``RecordSignature``).
    let signingKey: EventSigningKey
    let metrics: OutboxMetrics
    let logger: Logger
    /// Told when this instance leads, for the work only the leader does.
    var leadership: Leadership?
    /// The service's tracer: a row with a stored trace context is sent inside a producer
    /// span that continues it, and the event carries that span's context.
    var tracer: any Tracer = NoOpTracer()

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.runUntilCancelled()
            }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }

    private func runUntilCancelled() async throws {
        try await DedicatedConnection.run(database, id: 1, retry: configuration.retry, logger: logger, onRetry: { error, attempt, delay in
            metrics.leader.set(to: 0)
            leadership?.set(false)
            logger.warning("outbox relay lost its database connection; retrying", metadata: [
                "error": "\(String(reflecting: error))", "attempt": "\(attempt)", "retry_in_ms": "\(delay.wholeMilliseconds)",
            ])
        }) { connection in
            try await self.standByThenLead(on: connection)
        }
    }

    /// Tries the leader lock until it is free, then leads until the connection fails or the task is cancelled.
    ///
    /// The relay owns this connection (it is not leased from the pool): the
    /// session-level lock lives exactly as long as the connection, closing it
    /// releases the lock, and a pool shutting down concurrently can never
    /// close it under a pending `LISTEN`.
    private func standByThenLead(on connection: PostgresConnection) async throws {
        var announcedStandby = false
        while true {
            try Task.checkCancellation()
            let acquired = try await bounded("leader lock", connection) {
                var acquired = false
                for try await locked in try await connection.query("SELECT pg_try_advisory_lock(\(Self.advisoryLockKey))", logger: self.logger).decode(Bool.self) {
                    acquired = locked
                }
                return acquired
            }
            if acquired { break }
            if !announcedStandby { logger.info("outbox relay on standby: another instance is the leader") }
            announcedStandby = true
            try await Task.sleep(for: configuration.standbyRetryInterval)
        }
        logger.info("outbox relay is the leader")
        metrics.leader.set(to: 1)
        leadership?.set(true)
        defer {
            metrics.leader.set(to: 0)
            leadership?.set(false)
        }
        try await connection.listen(on: Self.channel) { notifications in
            let wakeUp = RelayWakeUp()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in notifications { wakeUp.rowsCommitted() }
                }
                group.addTask {
                    try await self.publishLoop(on: connection, wakeUp: wakeUp)
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Carries out the actions of a ``RelayStateMachine`` (every decision is the machine's;
    /// this loop does the reading, sending, marking and waiting) until an error or cancellation.
    private func publishLoop(on connection: PostgresConnection, wakeUp: RelayWakeUp) async throws {
        // Asked on the producer's connections: it then knows the leaders before the first batch.
        var partitions = (try? await producer.partitions(of: configuration.topic, timeout: configuration.partitionLookupTimeLimit)) ?? []
        var machine = RelayStateMachine(configuration: configuration, now: .now)
        // The producer's side of each batch the machine has in flight, and its send spans.
        var deliveries: [InFlightBatch.ID: PendingDeliveries] = [:]
        var sendSpans: [InFlightBatch.ID: [SendSpan]] = [:]
        while true {
            try Task.checkCancellation()
            if wakeUp.takeRowsCommitted() { machine.rowsCommitted() }
            for (id, pending) in deliveries {
                guard let results = pending.results else { continue }
                machine.delivered(id, results: results)
                deliveries[id] = nil
                if let spans = sendSpans.removeValue(forKey: id) { end(spans, results: results) }
            }
            switch machine.nextAction(now: .now) {
            case .read(let excluded):
                let rows = try await bounded("read batch", connection) { try await self.readBatch(excluding: excluded, on: connection) }
                if let id = machine.read(rows, now: .now) {
                    let (pending, spans) = send(rows, wakeUp: wakeUp)
                    deliveries[id] = pending
                    if !spans.isEmpty { sendSpans[id] = spans }
                }
            case .markPublished(let settled):
                try await bounded("mark published", connection) { try await self.markPublished(settled, on: connection) }
            case .backOff(let attempt):
                _ = try await bounded("pending count", connection) { try await self.pendingAndWatermark(on: connection) }
                try await Task.sleep(for: configuration.retry.delay(attempt: attempt))
            case .sendHeartbeats:
                // The watermark only covers marked rows, so it is behind everything still in flight;
                // the heartbeats are produced behind those (same producer) anyway.
                let watermark = try await bounded("pending count", connection) { try await self.pendingAndWatermark(on: connection) }
                if partitions.isEmpty { partitions = (try? await admin.partitions(of: configuration.topic)) ?? [] }
                if let pending = sendHeartbeats(watermark: watermark, to: partitions, wakeUp: wakeUp) {
                    deliveries[machine.heartbeatsSent(watermark: watermark, now: .now)] = pending
                }
            case .awaitHeartbeats(let warning):
                // The records wait in the producer, in order; the pending count still shows the backlog.
                _ = try await bounded("pending count", connection) { try await self.pendingAndWatermark(on: connection) }
                if let warning {
                    logger.warning("outbox relay: the broker has not acknowledged the records sent; they wait in the producer, in order", metadata: [
                        "waited_ms": "\(warning.waited.wholeMilliseconds)", "batches_in_flight": "\(warning.batchesInFlight)",
                    ])
                }
            case .purge:
                try await bounded("purge", connection) { try await self.purge(on: connection) }
            case .wait(let timeout):
                machine.waited(wokenUp: await wakeUp.wait(timeout: timeout))
            }
        }
    }

    /// The oldest unpublished rows that are not in flight, in id order. The rows in flight are
    /// left out by a hashed `NOT IN`: with three batches in flight, `id <> ALL(…)` compared each
    /// row scanned with up to 3,000 ids (30 ms a read, a fifth of the drain rate).
    private func readBatch(excluding inFlight: [Int64], on connection: PostgresConnection) async throws -> [OutboxRow] {
        var rows: [OutboxRow] = []
        rows.reserveCapacity(configuration.batchSize)
        let query = try await connection.query(
            """
            SELECT id, aggregate_id, payload, created_at, trace_parent, trace_state FROM outbox
            WHERE published_at IS NULL AND id NOT IN (SELECT unnest(\(inFlight)::bigint[])) ORDER BY id LIMIT \(configuration.batchSize)
            """,
            logger: logger
        )
        for try await (id, aggregateID, payload, createdAt, traceparent, tracestate) in query.decode((Int64, UUID, String, Date, String?, String?).self) {
            let trace = traceparent.flatMap { TraceContext(traceparent: $0, tracestate: tracestate) }
            rows.append(OutboxRow(id: id, aggregateID: aggregateID, payload: payload, createdAt: createdAt, trace: trace))
        }
        return rows
    }

    /// Hands rows to the producer, behind everything sent before; does not wait for the reports.
    /// A row with a trace context is sent in a producer span continuing it (ended with the
    /// batch's reports), and its event carries the span's context as `traceparent`/`tracestate`
    /// (the row's own context when the relay does not trace) — inside the signed value.
    private func send(_ rows: [OutboxRow], wakeUp: RelayWakeUp) -> (PendingDeliveries, [SendSpan]) {
        var spans: [SendSpan] = []
        let messages = rows.enumerated().map { index, row in
            let key = Array(row.aggregateID.uuidString.lowercased().utf8)
            guard let trace = row.trace else { return signed(key: key, value: Array(row.payload.utf8), partition: nil) }
            let span = tracer.startSpan("send \(configuration.topic)", context: tracer.context(continuing: trace), ofKind: .producer)
            span.updateAttributes { attributes in
                attributes["messaging.system"] = "kafka"
                attributes["messaging.operation.type"] = "send"
                attributes["messaging.destination.name"] = configuration.topic
                attributes["messaging.kafka.message.key"] = row.aggregateID.uuidString.lowercased()
                attributes["outbox.row_id"] = row.id
            }
            spans.append(SendSpan(index: index, span: span))
            let value = EventContract.value(of: Array(row.payload.utf8), tracedBy: tracer.traceContext(of: span.context) ?? trace)
            return signed(key: key, value: value, partition: nil)
        }
        return (producer.produce(messages) { wakeUp.batchDelivered() }, spans)
    }

    /// Ends a batch's send spans with each record's delivery report: its partition and
    /// offset, or the error (the row is sent again later, in a span of its own).
    private func end(_ spans: [SendSpan], results: [Result<KafkaDeliveryReport, KafkaError>]) {
        for sent in spans where results.indices.contains(sent.index) {
            switch results[sent.index] {
            case .success(let report):
                sent.span.updateAttributes { attributes in
                    attributes["messaging.destination.partition.id"] = "\(report.partition)"
                    attributes["messaging.kafka.offset"] = report.offset
                }
            case .failure(let error):
                sent.span.recordError(error)
                sent.span.setStatus(SpanStatus(code: .error, message: "\(error)"))
            }
            sent.span.end()
        }
    }

    /// A record for the topic, signed: `content-type` and the signature headers. Structured
    /// mode: the only CloudEvents header is content-type (a ce_* header would make SDKs'
    /// Kafka decoders read the record as binary mode).
    private func signed(key: [UInt8], value: [UInt8], partition: Int32?) -> KafkaProducerMessage {
        let signature = RecordSignature.sign(key: key, value: value, with: signingKey)
        return KafkaProducerMessage(
            topic: configuration.topic, partition: partition, key: key, value: value,
            headers: [
                KafkaHeader(name: "content-type", string: CloudEvent<HeartbeatData>.contentType),
                KafkaHeader(name: RecordSignature.keyIDHeader, string: signature.keyID),
                KafkaHeader(name: RecordSignature.signatureHeader, string: signature.signature),
            ]
        )
    }

    /// Sends a `Heartbeat` to every partition, behind the rows sent so far (same producer,
    /// so each lands behind them); `nil` if there is nothing to send. A failure is logged when
    /// its reports are in; the next round tries again.
    private func sendHeartbeats(watermark: Date, to partitions: [Int32], wakeUp: RelayWakeUp) -> PendingDeliveries? {
        guard !partitions.isEmpty else { return nil }
        let messages: [KafkaProducerMessage]
        do {
            let event = CloudEvent(
                id: UUID().uuidString.lowercased(), source: EventContract.source, type: EventType.heartbeat.rawValue,
                dataschema: EventType.heartbeat.dataschema, subject: nil,
                time: RFC3339.format(Date()), correlationid: nil, data: HeartbeatData(watermark: RFC3339.format(watermark))
            )
            let value = try event.encoded()
            let heartbeat = signed(key: Array(HeartbeatData.key.utf8), value: value, partition: nil)
            messages = partitions.map { partition in
                var message = heartbeat
                message.partition = partition
                return message
            }
        } catch {
            logger.error("could not encode a heartbeat", metadata: ["error": "\(error)"])
            return nil
        }
        return producer.produce(messages) { wakeUp.batchDelivered() }
    }

    /// Writes down what settled batches say (``RelayStateMachine/Settled``): marks their rows
    /// published in one statement, which also purges the deleted users among them
    /// (``MarkPublishedStatement``), records the heartbeat rounds, and counts and logs the rows
    /// not marked (the machine backs off and they are sent again).
    private func markPublished(_ settled: RelayStateMachine.Settled, on connection: PostgresConnection) async throws {
        let deliveredAt = Date()
        for heartbeats in settled.heartbeats { recordHeartbeats(heartbeats) }
        if !settled.rows.isEmpty {
            for row in settled.rows {
                let latency = max(0, deliveredAt.timeIntervalSince(row.createdAt))
                metrics.commitToDelivered.record(.nanoseconds(Int64(latency * 1e9)))
            }
            var purged = 0
            for try await users in try await connection.execute(MarkPublishedStatement(ids: settled.rows.map(\.id)), logger: logger) { purged = users }
            metrics.publishedTotal.increment(by: Int64(settled.rows.count))
            if purged > 0 {
                logger.debug("outbox relay: personal data of deleted users purged", metadata: ["users": "\(purged)"])
            }
        }
        if settled.notMarked > 0 {
            metrics.publishFailuresTotal.increment(by: Int64(settled.notMarked))
            logger.warning("outbox relay could not publish; backing off", metadata: [
                "error": "\(settled.firstError.map { "\($0)" } ?? "an earlier failure of the same users")",
                "failed": "\(settled.notMarked)", "published": "\(settled.rows.count)",
            ])
        }
    }

    private func recordHeartbeats(_ heartbeats: RelayStateMachine.SettledHeartbeats) {
        if heartbeats.failed > 0 {
            logger.warning("outbox relay: heartbeats not delivered; the next round tries again", metadata: ["failed": "\(heartbeats.failed)"])
            return
        }
        metrics.heartbeatsTotal.increment()
        metrics.watermarkAge.set(to: max(0, Date().timeIntervalSince(heartbeats.watermark)))
    }

    /// Runs one database step; it fails at once if the connection closes, and
    /// past `stepTimeLimit` it logs, closes the connection and throws. Either
    /// way the relay reconnects.
    private func bounded<T: Sendable>(_ step: String, _ connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await connection.guarded(limit: configuration.stepTimeLimit) { _ in try await body() }
        } catch let error as TimeLimit.Exceeded {
            logger.error("outbox relay: a database step hung; replacing the connection", metadata: ["step": "\(step)", "error": "\(error)"])
            throw error
        }
    }

    /// Counts the unpublished rows (the `outbox_pending` gauge) and returns the freshness
    /// watermark: a time such that every outbox row created before it is already published.
    ///
    /// It is the earliest of now, the start of any transaction still open in this
    /// database (one may yet commit a row whose `created_at` — the event's `time`, taken
    /// inside it — is after its start), and the oldest unpublished row. The open
    /// transactions are read first, in a statement of their own: a transaction that
    /// commits after that statement started after its `now`, or was seen open; one that
    /// committed before it is visible to the second statement's snapshot. (One statement
    /// would take its snapshot before scanning `pg_stat_activity`, and miss a write that
    /// commits in between.) This assumes user-service and PostgreSQL share a clock.
    private func pendingAndWatermark(on connection: PostgresConnection) async throws -> Date {
        let open = try await connection.query(
            """
            SELECT least(clock_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity
                                             WHERE datname = current_database() AND pid <> pg_backend_pid()))
            """,
            logger: logger
        ).collect()
        let pending = try await connection.query(
            "SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL", logger: logger
        ).collect()
        let beforeOpenTransactions = try open[0].decode(Date.self)
        let (count, oldestPending) = try pending[0].decode((Int, Date?).self)
        metrics.pending.set(to: Double(count))
        let watermark = min(beforeOpenTransactions, oldestPending ?? beforeOpenTransactions)
        // Down to whole milliseconds, as events carry their time: never later than what it covers.
        return Date(timeIntervalSince1970: (watermark.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// Deletes published outbox rows past `OUTBOX_RETENTION`, at most 10,000 a round (a round
    /// is at most every `purgeInterval`), so the relay's loop never waits long on it.
    private func purge(on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox
                WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => \(configuration.retention.inSeconds))
                LIMIT 10000)
            """,
            logger: logger
        )
    }
}

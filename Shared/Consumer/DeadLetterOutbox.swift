import AsyncPrimitives
import Database
import Foundation
import Kafka
import Logging
import PostgresNIO

/// The consumer database's table of dead letters (`dead_letter_outbox`):
/// written in the transaction of the batch a poison record came from, read by
/// ``DeadLetterPublisher``. The original record's topic, partition and offset
/// are unique, so a record read again after a crash or a rebalance never gets
/// a second dead letter. A published letter keeps no value (``markPublished(_:)``).
public struct DeadLetterOutbox: Sendable {
    /// One recorded dead letter, as claimed for publishing.
    public struct Entry: Sendable {
        public let id: Int64
        public let message: KafkaProducerMessage
        public let original: (topic: String, partition: Int32, offset: Int64)
        /// Set when an earlier claim may have published it: the topic's end offsets at that time.
        public let earlierClaimWatermarks: [Int32: Int64]?
    }

    /// A header as stored in the `headers` JSON column.
    struct StoredHeader: Codable {
        var name: String
        var value: String? // base64
    }

    let database: DatabaseClient
    let logger: Logger

    public init(database: DatabaseClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Records dead letters inside the caller's transaction; returns how many
    /// were new (a letter recorded before for the same original record is skipped).
    public static func record(_ letters: [DeadLetter], topic: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var recorded = 0
        for letter in letters {
            let message = letter.message(topic: topic)
            let headers = String(decoding: try JSONEncoder().encode(message.headers.map {
                StoredHeader(name: $0.name, value: $0.value.map { Data($0).base64EncodedString() })
            }), as: UTF8.self)
            let rows = try await connection.query(
                """
                INSERT INTO dead_letter_outbox
                    (original_topic, original_partition, original_offset, topic, message_key, message_value, headers, error_class)
                VALUES (\(letter.original.topic), \(Int32(letter.original.partition)), \(letter.original.offset), \(topic),
                        \(message.key.map { ByteBuffer(bytes: $0) }), \(ByteBuffer(bytes: message.value)), \(headers)::jsonb,
                        \(letter.errorClass.rawValue))
                ON CONFLICT (original_topic, original_partition, original_offset) DO NOTHING
                RETURNING id
                """,
                logger: logger
            ).collect()
            recorded += rows.count
        }
        return recorded
    }

    /// Claims up to `limit` unpublished letters for `claimFor`, recording the
    /// topic's current end offsets with a first claim.
    func claim(limit: Int, for claimFor: Duration, watermarks: [Int32: Int64]) async throws -> [Entry] {
        let seconds = claimFor.inSeconds
        let watermarksJSON = String(decoding: try JSONEncoder().encode(Dictionary(uniqueKeysWithValues: watermarks.map { (String($0.key), $0.value) })), as: UTF8.self)
        let rows = try await database.query(
            """
            WITH picked AS (
                SELECT id, claim_watermarks AS earlier FROM dead_letter_outbox
                WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            )
            UPDATE dead_letter_outbox d
            SET claimed_until = now() + make_interval(secs => \(seconds)),
                claim_watermarks = COALESCE(picked.earlier, \(watermarksJSON)::jsonb)
            FROM picked WHERE d.id = picked.id
            RETURNING d.id, d.original_topic, d.original_partition, d.original_offset, d.topic, d.message_key, d.message_value,
                      d.headers::text, picked.earlier::text
            """
        )
        return try rows.map { row in
            let (id, originalTopic, originalPartition, originalOffset, topic, key, value, headersJSON, earlierJSON) =
                try row.decode((Int64, String, Int32, Int64, String, ByteBuffer?, ByteBuffer, String, String?).self)
            let headers = try JSONDecoder().decode([StoredHeader].self, from: Data(headersJSON.utf8)).map {
                KafkaHeader(name: $0.name, value: $0.value.flatMap { Data(base64Encoded: $0) }.map { Array($0) })
            }
            let earlier = try earlierJSON.map { json in
                try JSONDecoder().decode([String: Int64].self, from: Data(json.utf8)).reduce(into: [Int32: Int64]()) { result, pair in
                    if let partition = Int32(pair.key) { result[partition] = pair.value }
                }
            }
            return Entry(
                id: id,
                message: KafkaProducerMessage(topic: topic, key: key.map { Array($0.readableBytesView) }, value: Array(value.readableBytesView), headers: headers),
                original: (originalTopic, originalPartition, originalOffset),
                earlierClaimWatermarks: earlier
            )
        }
    }

    /// Marks letters as published and empties their values: the dead-letter topic has the
    /// record now, and what stays here (where it came from, its key, headers and class) is
    /// what stops a second letter for the same record, without a profile that could outlive
    /// its user. A letter not yet published keeps its value, whatever happened to its user.
    func markPublished(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await database.query(
            "UPDATE dead_letter_outbox SET published_at = now(), claimed_until = NULL, message_value = ''::bytea WHERE id = ANY(\(ids))"
        )
    }

    /// Gives letters back for another attempt soon (their claim watermarks stay).
    func release(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await database.query("UPDATE dead_letter_outbox SET claimed_until = NULL WHERE id = ANY(\(ids))")
    }
}

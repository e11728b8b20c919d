import Events
import Foundation
import HTTPSupport
import Hummingbird

/// `GET /consistency/digest?buckets=N` and `GET /consistency/buckets/{b}?buckets=N[&tombstones=true]`,
/// the same on every service, over the users its store holds (`heldUsers` lists them in id
/// order, live and deleted). Digests and listings cover live users; `tombstones=true` adds
/// the deleted ones a projection keeps. A projection also says how fresh it is (`watermark`).
public enum ConsistencyRoutes {
    public static func add(
        to router: Router<ServiceRequestContext>,
        heldUsers: @escaping @Sendable () async throws -> [UserVersion],
        watermark: @escaping @Sendable () async throws -> Date? = { nil }
    ) {
        let group = router.group("consistency")
        group.get("digest") { request, _ in
            let layout = try layout(request.uri.queryParameters)
            // The watermark first: every change before it is in the listing read after it.
            let mark = try await watermark()
            return try json(ConsistencyDigest(try await heldUsers(), layout: layout, watermark: mark.map(RFC3339.format)))
        }
        group.get("buckets/:bucket") { request, context in
            let layout = try layout(request.uri.queryParameters)
            let raw = context.parameters.get("bucket") ?? ""
            guard let bucket = Int(raw), (0..<layout.count).contains(bucket) else {
                throw HTTPProblem(.notFound, "no bucket '\(raw.prefix(20))' with buckets=\(layout.count): buckets are 0…\(layout.count - 1)")
            }
            let tombstones = request.uri.queryParameters["tombstones"] == "true"
            return try json(try await heldUsers().filter { layout.bucket(of: $0.userId) == bucket && (tombstones || !$0.deleted) })
        }
    }

    static func layout(_ query: Parameters) throws -> BucketLayout {
        guard let raw = query["buckets"] else { return BucketLayout(count: BucketLayout.defaultCount)! }
        guard let count = Int(String(raw)), let layout = BucketLayout(count: count) else {
            throw HTTPProblem(.badRequest, "buckets must be a power of two from 1 to \(BucketLayout.maximumCount), not '\(raw.prefix(20))'", field: "buckets")
        }
        return layout
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

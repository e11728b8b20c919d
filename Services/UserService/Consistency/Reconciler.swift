import AsyncHTTPClient
import AsyncPrimitives
import Consistency
import Events
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Compares the source with one projection: digests first, then only the
/// differing buckets, then — for what differs — a second look once the
/// projection's watermark has passed the first, so that events still in flight
/// are never reported.
struct Reconciler: Sendable {
    let target: String
    let baseURL: String
    /// What the projection holds of a user, so the source's rows are hashed the same way.
    let content: ProjectionContent
    let http: HTTPClient
    let source: UserStore
    let settle: Duration
    var layout = BucketLayout(count: BucketLayout.defaultCount)!

    func run() async -> ReconcileReport {
        let started = ContinuousClock.now
        var report = ReconcileReport(target: target)
        do {
            let sourceUsers = try await source.liveUsers(content: content)
            // Taken after the source was read: every write it saw committed before this moment, so its
            // event's time (taken inside the write) is earlier, and a watermark past it covers that event.
            // (Taken before the read, a write committing in between could be seen but not yet covered, and
            // reported as stale although it was only in flight.)
            let firstLook = Date()
            let digest: ConsistencyDigest = try await get("/consistency/digest?buckets=\(layout.count)")
            report.entities = digest.entities
            report.sourceEntities = sourceUsers.count
            let candidates = try await divergences(in: ConsistencyDigest(sourceUsers, layout: layout).differingBuckets(from: digest), sourceUsers)
            guard !candidates.isEmpty else {
                report.result = .consistent
                report.durationMilliseconds = (ContinuousClock.now - started).wholeMilliseconds
                return report
            }
            // Differences seen now may be events in flight: look again once the projection holds everything before `firstLook`.
            try await waitForWatermark(after: firstLook)
            let buckets = Set(candidates.map { layout.bucket(of: $0.userId) }).sorted()
            let again = try await divergences(in: buckets, try await source.liveUsers(content: content))
            let firstSeen = Set(candidates.map(\.userId))
            report.divergences = again.filter { firstSeen.contains($0.userId) }
            report.differingBuckets = Set(report.divergences.map { layout.bucket(of: $0.userId) }).count
            report.result = report.divergences.isEmpty ? .consistent : .divergent
        } catch {
            report.result = .failed
            report.error = String(describing: error)
        }
        report.durationMilliseconds = (ContinuousClock.now - started).wholeMilliseconds
        return report
    }

    /// Compares; with `repairs`, writes a repair event per divergence, then checks again
    /// (bounded by twice the settle time) until the projection agrees.
    func runAndRepair(with repairs: Repairs?) async -> ReconcileReport {
        var report = await run()
        guard let repairs, report.result == .divergent else { return report }
        do {
            var written = 0
            for divergence in report.divergences where try await repairs.repair(divergence) { written += 1 }
            report.repaired = written
            let deadline = ContinuousClock.now + settle * 2
            var after = await run()
            while after.result != .consistent, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                after = await run()
            }
            report.remainingAfterRepair = after.result == .failed ? nil : after.divergences.count
        } catch {
            report.error = "repair: \(error)"
        }
        return report
    }

    private func divergences(in buckets: [Int], _ sourceUsers: [UserVersion]) async throws -> [Divergence] {
        var result: [Divergence] = []
        for bucket in buckets {
            let projection: [UserVersion] = try await get("/consistency/buckets/\(bucket)?buckets=\(layout.count)&tombstones=true")
            if let odd = projection.first(where: { !EventVersion.range.contains($0.version) }) {
                throw ReconcileError("the \(target) projection lists user \(odd.userId.uuidString.lowercased()) at version \(odd.version), outside 1…2^53−1")
            }
            result += Divergence.between(source: sourceUsers.filter { layout.bucket(of: $0.userId) == bucket }, projection: projection)
        }
        return result
    }

    private func waitForWatermark(after moment: Date) async throws {
        let deadline = ContinuousClock.now + settle
        while true {
            let digest: ConsistencyDigest = try await get("/consistency/digest?buckets=1")
            if let mark = digest.watermark.flatMap(RFC3339.parse), mark >= moment { return }
            guard ContinuousClock.now < deadline else {
                throw ReconcileError("the \(target) projection's freshness watermark did not pass \(RFC3339.format(moment)) within \(settle): is the relay running?")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    private func get<T: Decodable>(_ path: String) async throws -> T {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .GET
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        guard response.status == .ok else {
            throw ReconcileError("GET \(baseURL)\(path) answered \(response.status.code): \(String(buffer: body).prefix(200))")
        }
        return try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }
}

import Foundation
import AsyncPrimitives
import Synchronization

/// Latencies in milliseconds from many concurrent requests, with nearest-rank percentiles.
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[Double]>([])
    private let failures = Atomic<Int>(0)
    /// One line per request when asked for (`--latencies-file`): issued (Unix ms) latency_ms status.
    private let timeline = Mutex<[String]>([])

    /// Keeps when a request was issued (wall clock, to line up with other programs' times), how long it took and its status.
    func note(issued: Date, took: Duration, status: Int) {
        let line = String(format: "%.0f %.2f %d", issued.timeIntervalSince1970 * 1000, took.inMilliseconds, status)
        timeline.withLock { $0.append(line) }
    }

    /// The noted requests, one line each, in the order they finished.
    var timelineText: String { timeline.withLock { $0.map { $0 + "\n" }.joined() } }

    func record(_ duration: Duration) {
        let milliseconds = duration.inMilliseconds
        samples.withLock { $0.append(milliseconds) }
    }

    func fail() {
        failures.wrappingAdd(1, ordering: .relaxed)
    }

    var failed: Int { failures.load(ordering: .relaxed) }
    var count: Int { samples.withLock { $0.count } }

    func percentile(_ q: Double) -> Double {
        let sorted = samples.withLock { $0 }.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

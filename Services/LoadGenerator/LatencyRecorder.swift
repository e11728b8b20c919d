import AsyncPrimitives
import Synchronization

/// Latencies in milliseconds from many concurrent requests, with nearest-rank percentiles.
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[Double]>([])
    private let failures = Atomic<Int>(0)

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

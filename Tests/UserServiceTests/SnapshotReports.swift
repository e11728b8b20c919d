import Synchronization
@testable import UserService

/// The progress reports a snapshot made, collected from its report closure.
final class SnapshotReports: Sendable {
    private let reports = Mutex<[Snapshot.Progress]>([])

    func add(_ progress: Snapshot.Progress) { reports.withLock { $0.append(progress) } }
    var all: [Snapshot.Progress] { reports.withLock { $0 } }
    var last: Snapshot.Progress? { all.last }
}

import Synchronization

/// The version of each user as this load generator last saw it, so every PUT can name it in
/// `If-Match` (user-service refuses a write without it, 428), as a careful client would.
final class VersionBook: Sendable {
    private let versions = Mutex<[String: Int64]>([:])

    /// The last version seen; 1 for a user just created.
    func version(of id: String) -> Int64 {
        versions.withLock { $0[id] ?? 1 }
    }

    func record(_ version: Int64, of id: String) {
        versions.withLock { $0[id] = max($0[id] ?? 0, version) }
    }
}

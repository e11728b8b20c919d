import Synchronization

/// Whether this instance's relay holds the leader lock: work that only the
/// leader does (the periodic anti-entropy check) asks it.
final class RelayLeadership: Sendable {
    private let leading = Atomic<Bool>(false)

    var isLeader: Bool { leading.load(ordering: .acquiring) }

    func set(_ value: Bool) { leading.store(value, ordering: .releasing) }
}

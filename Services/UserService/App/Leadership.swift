import Synchronization

/// Whether this instance holds the leader lock (the relay takes it, and publishes only while
/// it holds it): work that only one instance should do (the periodic anti-entropy check)
/// asks it, without knowing the relay.
final class Leadership: Sendable {
    private let leading = Atomic<Bool>(false)

    var isLeader: Bool { leading.load(ordering: .acquiring) }

    func set(_ value: Bool) { leading.store(value, ordering: .releasing) }
}

import ServiceLifecycle

/// Work done again and again until graceful shutdown: every `interval`, sooner when
/// `wakeUp` is signalled, and after a failure once `retry` says so. The one shape of
/// every periodic job (the purgers, the lag line, the anti-entropy check, the dead-letter
/// publisher).
///
/// `State` is carried from one round to the next (the lag line compares with the last
/// one); most work has none. A round that throws is reported to `onFailure` and the loop
/// goes on: with a `retry` policy the next round comes after its wait (growing with each
/// consecutive failure, never given up), without one after `interval` as usual.
/// Graceful shutdown cancels the round under way and ends ``run()``; nothing else does.
public struct PeriodicService<State: Sendable>: Service {
    /// When the first round runs.
    public enum FirstRound: Sendable {
        /// As soon as the service runs.
        case immediately
        /// One `interval` after it runs (work that reports on what happened meanwhile).
        case afterInterval
    }

    let interval: Duration
    let firstRound: FirstRound
    let wakeUp: WakeUpSignal?
    let retry: RetryPolicy?
    let initialState: State
    let work: @Sendable (inout State) async throws -> Void
    let onFailure: @Sendable (_ error: any Error, _ nextRoundIn: Duration) -> Void

    /// - Parameters:
    ///   - interval: the pause between rounds (the longest one, with `wakeUp`).
    ///   - firstRound: whether the first round waits an interval.
    ///   - wakeUp: when signalled, the next round starts at once.
    ///   - retry: the pause after a failed round; `nil`: `interval`.
    ///   - state: handed to the first round; each round may change it for the next.
    ///   - onFailure: told each failure and how long until the next round.
    ///   - work: one round.
    public init(
        every interval: Duration, firstRound: FirstRound = .immediately, wakeUp: WakeUpSignal? = nil, retry: RetryPolicy? = nil,
        state: State, onFailure: @escaping @Sendable (_ error: any Error, _ nextRoundIn: Duration) -> Void = { _, _ in },
        _ work: @escaping @Sendable (inout State) async throws -> Void
    ) {
        self.interval = interval
        self.firstRound = firstRound
        self.wakeUp = wakeUp
        self.retry = retry?.withoutAttemptLimit
        self.initialState = state
        self.onFailure = onFailure
        self.work = work
    }

    /// Runs rounds until graceful shutdown, then returns (never earlier: a returning service ends the group).
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.repeatRounds() }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }

    private func repeatRounds() async throws {
        var state = initialState
        var failures = 0
        if firstRound == .afterInterval { try await pause(interval) }
        while true {
            try Task.checkCancellation()
            var pauseFor = interval
            do {
                try await work(&state)
                failures = 0
            } catch {
                // Shutdown cancelled the round: not a failure to report.
                if Task.isCancelled { throw CancellationError() }
                failures += 1
                pauseFor = retry?.delay(attempt: failures) ?? interval
                onFailure(error, pauseFor)
            }
            try await pause(pauseFor)
        }
    }

    private func pause(_ duration: Duration) async throws {
        if let wakeUp {
            await wakeUp.wait(timeout: duration)
            try Task.checkCancellation()
        } else {
            try await Task.sleep(for: duration)
        }
    }
}

extension PeriodicService where State == Void {
    /// Work without state carried between rounds.
    public init(
        every interval: Duration, firstRound: FirstRound = .immediately, wakeUp: WakeUpSignal? = nil, retry: RetryPolicy? = nil,
        onFailure: @escaping @Sendable (_ error: any Error, _ nextRoundIn: Duration) -> Void = { _, _ in },
        _ work: @escaping @Sendable () async throws -> Void
    ) {
        self.init(every: interval, firstRound: firstRound, wakeUp: wakeUp, retry: retry, state: (), onFailure: onFailure) { _ in try await work() }
    }
}

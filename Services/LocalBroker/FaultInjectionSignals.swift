import Kafka
import Logging
import ServiceLifecycle
import UnixSignals

/// Lets scripts inject broker faults into a running LocalBroker:
/// `SIGUSR1` takes every broker down (connections dropped and refused),
/// `SIGUSR2` brings them back.
struct FaultInjectionSignals: Service {
    let cluster: MockKafkaCluster
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigusr1, .sigusr2)
        await withGracefulShutdownHandler {
            for await signal in signals.cancelOnGracefulShutdown() {
                if signal == .sigusr1 {
                    cluster.setBrokerDown()
                    logger.warning("fault injection: broker down")
                } else {
                    cluster.setBrokerUp()
                    logger.warning("fault injection: broker up")
                }
            }
        } onGracefulShutdown: {}
    }
}

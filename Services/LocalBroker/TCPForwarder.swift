import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Listens on a fixed address and forwards each connection to a target
/// address: the mock cluster picks a random port, this makes it reachable at
/// the well-known 127.0.0.1:9092 for bootstrapping.
struct TCPForwarder: Service {
    let listenHost: String
    let listenPort: Int
    let targetHost: String
    let targetPort: Int
    let logger: Logger

    func run() async throws {
        let targetHost = targetHost
        let targetPort = targetPort
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: targetHost, port: targetPort)
                    .flatMapThrowing { outbound in
                        let (inboundSide, outboundSide) = ForwardingHandler.pair()
                        try inbound.pipeline.syncOperations.addHandler(inboundSide)
                        try outbound.pipeline.syncOperations.addHandler(outboundSide)
                        // Reading starts only now that both sides are wired, so no early bytes are lost.
                        try inbound.syncOptions?.setOption(.autoRead, value: true)
                    }
            }
            .bind(host: listenHost, port: listenPort)
            .get()
        logger.info("forwarding", metadata: ["listen": "\(listenHost):\(listenPort)", "target": "\(targetHost):\(targetPort)"])
        try await withGracefulShutdownHandler {
            try await server.closeFuture.get()
        } onGracefulShutdown: {
            server.close(promise: nil)
        }
    }
}

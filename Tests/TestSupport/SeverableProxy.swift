import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy in front of a real server that can cut every connection at
/// once, without a word to either side: what a client sees when the server
/// process is killed or the network drops (no error message, just a closed
/// socket — unlike `pg_terminate_backend`, which says goodbye first).
/// New connections are accepted again right after.
public final class SeverableProxy: Sendable {
    /// The port the proxy listens on (127.0.0.1).
    public let port: Int
    private let server: any Channel
    private let connections: Connections

    /// Starts a proxy on a kernel-chosen port that forwards to `host:targetPort`.
    public static func start(to host: String, port targetPort: Int) async throws -> SeverableProxy {
        let connections = Connections()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: host, port: targetPort)
                    .flatMapThrowing { outbound in
                        try inbound.pipeline.syncOperations.addHandler(Pipe(to: outbound))
                        try outbound.pipeline.syncOperations.addHandler(Pipe(to: inbound))
                        connections.add(inbound, outbound)
                        try inbound.syncOptions?.setOption(.autoRead, value: true)
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return SeverableProxy(port: server.localAddress?.port ?? 0, server: server, connections: connections)
    }

    private init(port: Int, server: any Channel, connections: Connections) {
        self.port = port
        self.server = server
        self.connections = connections
    }

    /// Closes every connection made through the proxy so far, on both sides.
    public func sever() {
        for channel in connections.takeAll() { channel.close(promise: nil) }
    }

    /// Stops listening and closes every connection.
    public func close() async {
        sever()
        try? await server.close()
    }

    private final class Connections: Sendable {
        private let channels = Mutex<[any Channel]>([])
        func add(_ pair: any Channel...) { channels.withLock { $0.append(contentsOf: pair) } }
        func takeAll() -> [any Channel] { channels.withLock { channels in defer { channels = [] }; return channels } }
    }

    /// Copies what one side reads to the other; when one side closes, so does the other.
    private final class Pipe: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let partner: any Channel

        init(to partner: any Channel) { self.partner = partner }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner.writeAndFlush(Self.unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

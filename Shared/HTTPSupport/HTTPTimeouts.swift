import Hummingbird
import HummingbirdCore
import NIOCore
import ServiceConfiguration

/// How long the HTTP server waits for a client, read once from the environment
/// with the rest of a service's configuration.
public struct HTTPTimeouts: Sendable, Equatable {
    /// `HTTP_IDLE_TIMEOUT_SECONDS` (60): a connection with no request under way
    /// and nothing read for this long is closed (keep-alive included).
    public var idle: Duration = .seconds(Settings.httpIdleTimeoutSeconds.defaultValue)
    /// `HTTP_HEADER_TIMEOUT_SECONDS` (10): a request head that is not complete this long
    /// after its first byte arrived is answered 408 and its connection closed, even
    /// if bytes keep trickling in.
    public var requestHead: Duration = .seconds(Settings.httpHeaderTimeoutSeconds.defaultValue)

    public init() {}

    public init(idle: Duration, requestHead: Duration) {
        self.idle = idle
        self.requestHead = requestHead
    }

    /// The defaults, overridden by `HTTP_IDLE_TIMEOUT_SECONDS` and `HTTP_HEADER_TIMEOUT_SECONDS` (whole seconds).
    public init(environment reader: EnvironmentReader) throws(ConfigurationError) {
        idle = .seconds(try reader.value(Settings.httpIdleTimeoutSeconds))
        requestHead = .seconds(try reader.value(Settings.httpHeaderTimeoutSeconds))
    }

    /// An HTTP/1.1 server with these time-outs, whose request-head errors answer as problems
    /// (see ``RequestHeadHandler``). Pass it as `Application(server:)`.
    public var server: HTTPServerBuilder {
        let requestHead = requestHead
        return .http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadHandler(timeout: requestHead)],
            idleTimeout: TimeAmount(idle)
        ))
    }
}

import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging

/// The request context of every service: Hummingbird's core storage plus the
/// request id, the authenticated caller (hummingbird-auth's `identity`, set by the access
/// middleware on the public routes), the client's address, and a 64 KiB body limit.
public struct ServiceRequestContext: AuthRequestContext {
    /// Largest request body accepted; larger bodies are refused with 413.
    public static let maximumBodySize = 64 * 1024

    public var coreContext: CoreRequestContextStorage
    /// The `X-Request-ID` of this request (accepted from the client or generated).
    public var requestID: String = ""
    /// The caller a valid bearer token names; `nil` on the probes and the management listener.
    public var identity: Caller?
    /// The client's IP address, the rate limit's key for a request without a valid token.
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The caller, or 401 (the access middleware sets it on every public route but the probes).
    public func requireCaller() throws(HTTPProblem) -> Caller {
        guard let identity else { throw HTTPProblem(.unauthorized, "send Authorization: Bearer <token>") }
        return identity
    }

    public var maxUploadSize: Int { Self.maximumBodySize }
}

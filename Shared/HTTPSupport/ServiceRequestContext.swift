import HTTPTypes
import Hummingbird
import Logging

/// The request context of every service: Hummingbird's core storage plus the
/// request id, and a 64 KiB body limit.
public struct ServiceRequestContext: RequestContext {
    /// Largest request body accepted; larger bodies are refused with 413.
    public static let maximumBodySize = 64 * 1024

    public var coreContext: CoreRequestContextStorage
    /// The `X-Request-ID` of this request (accepted from the client or generated).
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { Self.maximumBodySize }
}

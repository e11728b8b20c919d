/// Why a bearer token was not accepted, in words safe to send back (RFC 6750's
/// `error_description`): never the token, never a key.
public struct TokenRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

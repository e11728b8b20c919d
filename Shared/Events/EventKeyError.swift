/// An event key (``EventSigningKey``) or key list (``EventVerifyKeys``) that cannot be used.
/// The message names the key's id, never its secret.
public struct EventKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

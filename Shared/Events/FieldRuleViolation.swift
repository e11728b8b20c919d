/// A profile field that breaks one of ``ProfileRules``: which field, and what is wrong
/// with it, in words a client (HTTP 422) or an operator (a dead letter's reason) can act on.
public struct FieldRuleViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: ProfileField
    public let message: String

    public init(_ field: ProfileField, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

import Foundation

/// The authenticated caller of a request: the token's `sub`, and whether its `scope` holds
/// `users:admin`.
public struct Caller: Sendable, Equatable {
    public let subject: String
    public let isAdmin: Bool

    public static let adminScope = "users:admin"

    public init(subject: String, isAdmin: Bool) {
        self.subject = subject
        self.isAdmin = isAdmin
    }

    /// Whether this caller may read, change or delete the user `id`: its own, or any as an admin.
    public func mayActOn(user id: UUID) -> Bool {
        isAdmin || UUID(uuidString: subject) == id
    }

    /// Whether this caller may see the email address of the user `id` (its own, or any as an admin).
    public func maySeeEmail(of id: UUID) -> Bool {
        mayActOn(user: id)
    }
}

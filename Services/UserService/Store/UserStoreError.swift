import Foundation

/// Why the store refused a user write or found no user: the domain's terms, no HTTP
/// (the HTTP edge answers each with a problem, `UserStoreError+HTTPProblem.swift`).
struct UserStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        let description: String

        /// No user has the id.
        static let userNotFound = Code(description: "no such user")
        /// Another user has the email address (compared case-insensitively).
        static let emailTaken = Code(description: "email address taken")
        /// The user is at another version than the write expected (`If-Match`).
        static let versionMismatch = Code(description: "version mismatch")
    }

    let code: Code
    let userID: UUID
    /// The user's version, for ``Code/versionMismatch``.
    var currentVersion: Int64?

    static func userNotFound(_ id: UUID) -> UserStoreError {
        UserStoreError(code: .userNotFound, userID: id)
    }

    static func emailTaken(by id: UUID) -> UserStoreError {
        UserStoreError(code: .emailTaken, userID: id)
    }

    static func versionMismatch(_ id: UUID, current: Int64) -> UserStoreError {
        UserStoreError(code: .versionMismatch, userID: id, currentVersion: current)
    }

    var description: String {
        "\(code) (user \(userID.uuidString.lowercased())\(currentVersion.map { ", at version \($0)" } ?? ""))"
    }
}

import Foundation
import HTTPSupport
import HTTPTypes

extension UserStoreError: HTTPProblemConvertible {
    /// 404 for a missing user; 409 for a taken address, without the address (an answer that
    /// echoed it would confirm to anyone probing that it is registered); 412 with the
    /// current version for a write against another version.
    var problem: HTTPProblem {
        switch code {
        case .emailTaken:
            HTTPProblem(.conflict, "the email address is already taken by another user", field: "email")
        case .versionMismatch:
            IfMatch.failed(currentVersion: currentVersion ?? 0)
        default:
            HTTPProblem.notFound("no user with id \(userID.uuidString.lowercased())")
        }
    }
}

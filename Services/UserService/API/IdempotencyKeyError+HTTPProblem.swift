import Foundation
import HTTPSupport
import HTTPTypes

extension IdempotencyKeyError: HTTPProblemConvertible {
    /// 400 for a malformed key; 422 for a key reused with another request.
    var problem: HTTPProblem {
        switch code {
        case .usedForAnotherRequest:
            HTTPProblem(.unprocessableContent, "this Idempotency-Key was already used with a different request; use a new key for a new request")
        default:
            HTTPProblem(.badRequest, "Idempotency-Key must be 1 to \(IdempotencyKeys.maximumKeyLength) printable ASCII characters")
        }
    }
}

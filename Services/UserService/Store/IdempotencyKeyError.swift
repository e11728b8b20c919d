/// Why an `Idempotency-Key` cannot be used (the HTTP edge answers each with a problem,
/// `IdempotencyKeyError+HTTPProblem.swift`).
struct IdempotencyKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the key.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        let description: String

        /// Not 1 to ``IdempotencyKeys/maximumKeyLength`` printable ASCII characters.
        static let malformed = Code(description: "malformed key")
        /// The key already answered a different request.
        static let usedForAnotherRequest = Code(description: "key used for another request")
    }

    let code: Code

    var description: String { "\(code)" }
}

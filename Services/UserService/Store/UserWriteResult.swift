/// A user write's answer and what became of the write (``UserWriteOutcome``).
struct UserWriteResult: Sendable {
    var response: StoredResponse
    var outcome: UserWriteOutcome
}

import HTTPTypes

/// What became of one user write: the `outcome` label of `user_writes_total`.
enum UserWriteOutcome: String, Sendable, CaseIterable {
    /// 201: a user was created.
    case created
    /// 200: the profile changed (a new version and its event).
    case updated
    /// 200: the write asked for the profile it already had; nothing was written.
    case unchanged
    /// 204: the user was deleted.
    case deleted
    /// 412: `If-Match` named another version than the current one.
    case versionConflict = "version_conflict"
    /// 409: another conflict with the current state (the email address is taken).
    case conflict
    /// 404: no such user.
    case notFound = "not_found"
    /// Another 4xx: the handler refused the request before writing anything (validation 422,
    /// malformed 400, a wrong media type 415, a streamed body over the limit 413, an
    /// Idempotency-Key reused for another request 422).
    case invalid
    /// The answer came from the `Idempotency-Key` store; nothing ran.
    case idempotentReplay = "idempotent_replay"
    /// 5xx: the write failed (the database is unavailable, say).
    case error

    /// The outcome of a write refused with `status`.
    init(refusedWith status: HTTPResponse.Status) {
        switch status.code {
        case 404: self = .notFound
        case 409: self = .conflict
        case 412: self = .versionConflict
        case 400..<500: self = .invalid
        default: self = .error
        }
    }
}

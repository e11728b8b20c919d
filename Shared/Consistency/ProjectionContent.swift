/// What a projection holds of a user beyond its version, as the anti-entropy digests
/// compare it: the same function over the projection's row and over the source's row,
/// so content that differs at the same version (a bad write, a forged repair, a manual
/// edit) is found like a missing user.
public enum ProjectionContent: String, Sendable, CaseIterable {
    /// search-service: the indexed name, email and bio.
    case profile
    /// analytics-service: the version and whether the user is deleted, nothing more (the
    /// deletion shows as live or tombstone in the listing), so the content hash is empty.
    case versionOnly

    /// SQL for the content hash (lowercase hex, or `''`) of a row, from the SQL expressions of
    /// its name, email and bio. Each field is prefixed with its length, so no two different
    /// profiles have the same input. The expressions are our own column names, never input.
    public func hashSQL(name: String, email: String, bio: String) -> String {
        switch self {
        case .profile:
            """
            encode(sha256(convert_to(length(\(name))::text || ':' || \(name) || length(\(email))::text || ':' || \(email) \
            || length(\(bio))::text || ':' || \(bio), 'UTF8')), 'hex')
            """
        case .versionOnly:
            "''"
        }
    }
}

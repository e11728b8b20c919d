/// A write statement that always answers one row answered none: a broken invariant, not
/// a refusal (the request fails with a logged 500).
struct StatementAnsweredNoRow: Error, Sendable, CustomStringConvertible {
    let statement: String

    var description: String { "the \(statement) statement answered no row" }
}

import Database

extension PostgresURL {
    /// The same server with another database (the tests' own databases beside the server's).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }
}

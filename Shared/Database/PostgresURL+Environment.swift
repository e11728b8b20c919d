import ServiceConfiguration

extension PostgresURL {
    /// The service's runtime connection: `DATABASE_URL`, or the file named by
    /// `DATABASE_URL_FILE` (the URL carries the role's password, so it may live in a
    /// secrets file like the other secrets); `fallback` when neither is set.
    public init(runtimeFrom reader: EnvironmentReader, default fallback: String) throws(ConfigurationError) {
        try self.init(reader.value(Settings.databaseURL) ?? fallback)
    }

    /// The owner role's connection, which `migrate` and `rebuild` use to change the schema:
    /// `MIGRATION_DATABASE_URL` or `MIGRATION_DATABASE_URL_FILE`. Required: the service's
    /// own `DATABASE_URL` names a role that may not change the schema.
    public static func migration(from reader: EnvironmentReader) throws(ConfigurationError) -> PostgresURL {
        guard let value = try reader.value(Settings.migrationDatabaseURL) else {
            throw ConfigurationError(
                "MIGRATION_DATABASE_URL (or MIGRATION_DATABASE_URL_FILE) is required: migrations run as the database's owner role; "
                    + "DATABASE_URL names the service's runtime role, which may only read and write data"
            )
        }
        do {
            return try PostgresURL(value)
        } catch {
            throw ConfigurationError("MIGRATION_DATABASE_URL: \(error.description)")
        }
    }
}

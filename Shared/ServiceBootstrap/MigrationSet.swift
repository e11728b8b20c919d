/// One folder of numbered SQL files under `Migrations/` and the table that
/// records which of them were applied.
public struct MigrationSet: Sendable, Equatable {
    public let folder: String
    public let historyTable: String

    public init(folder: String, historyTable: String = "schema_migrations") {
        self.folder = folder
        self.historyTable = historyTable
    }
}

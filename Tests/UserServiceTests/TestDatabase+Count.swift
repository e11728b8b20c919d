import PostgresNIO
import TestSupport

extension TestDatabase {
    /// The number of rows of `table` that meet `condition` (both written by the tests themselves).
    func count(_ table: String, where condition: String = "true") async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM \(unescaped: table) WHERE \(unescaped: condition)")
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}

import Crypto
import Foundation

/// One numbered SQL file, `NNNN_name.sql`.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex-encoded.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads every `NNNN_name.sql` of a directory, ordered by version.
    public static func load(from directory: URL) throws(MigrationError) -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(.directoryNotFound, "cannot read migrations directory \(directory.path)")
        }
        var files: [MigrationFile] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            let stem = fileName.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw MigrationError(.invalidFileName, "\(fileName) is not named NNNN_name.sql")
            }
            guard let sql = try? String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8) else {
                throw MigrationError(.invalidFileName, "\(fileName) is not readable UTF-8")
            }
            if files.contains(where: { $0.version == version }) {
                throw MigrationError(.duplicateVersion, "two migrations have version \(version)")
            }
            files.append(MigrationFile(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        return files.sorted { $0.version < $1.version }
    }

    /// Finds `Migrations/<service>`: `MIGRATIONS_PATH` if given, else the working
    /// directory or one of the executable's parent directories.
    public static func directory(for service: String, migrationsPath: String?) throws(MigrationError) -> URL {
        if let migrationsPath, !migrationsPath.isEmpty {
            return URL(fileURLWithPath: migrationsPath).appendingPathComponent(service)
        }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while executable.path != "/" {
            candidates.append(executable)
            executable.deleteLastPathComponent()
        }
        for candidate in candidates {
            let directory = candidate.appendingPathComponent("Migrations").appendingPathComponent(service)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return directory
            }
        }
        throw MigrationError(.directoryNotFound, "Migrations/\(service) not found; set MIGRATIONS_PATH")
    }
}

import Foundation

/// `python3` for the checks done with Python tools (the OpenAPI validators, `jsonschema`,
/// the CloudEvents SDK) and the checkers of `scripts/lib`.
public enum Python {
    /// The repository's root directory.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether `python3` can import every one of `modules` (tests that need them are skipped otherwise).
    public static func canImport(_ modules: [String]) -> Bool {
        (try? run(["-c", "import " + modules.joined(separator: ", ")]).status) == 0
    }

    /// Runs `python3 arguments…` in the repository root with `input` on standard input;
    /// returns the exit status and what it printed (standard output and error together).
    public static func run(_ arguments: [String], input: Data = Data()) throws -> (status: Int32, output: String) {
        try ExternalTool("python3", package: "python3").run(arguments, input: input, in: repositoryRoot)
    }
}

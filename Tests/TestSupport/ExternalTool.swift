import Foundation

/// A command-line tool a test runs (`promtool`, `python3`), looked up on the `PATH`.
public struct ExternalTool: Sendable {
    public let name: String
    /// The Debian package that installs it, for the message when it is missing.
    public let package: String

    public init(_ name: String, package: String) {
        self.name = name
        self.package = package
    }

    /// Where the tool is, or `nil` when it is not on the `PATH`.
    public var path: String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the tool with `input` on standard input (in `directory`, if given); returns its exit status and what it
    /// wrote to standard output and standard error, together. Fails, saying what to
    /// install, when the tool is missing.
    public func run(_ arguments: [String], input: Data = Data(), in directory: URL? = nil) throws -> (status: Int32, output: String) {
        guard let path else {
            throw TestFailure("\(name) is not on the PATH: install Debian's \(package) package (scripts/lib/prerequisites.sh does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

import AsyncPrimitives
import Foundation

/// The progress of a long command on standard error: one line redrawn in place
/// (with a bar) on a terminal, one line per report otherwise (logs, CI).
public struct ProgressLine: Sendable {
    let label: String
    let terminal: Bool
    let started = ContinuousClock.now

    public init(label: String) {
        self.label = label
        terminal = isatty(STDERR_FILENO) != 0
    }

    /// Writes `done` of `total` with the rate since the start, then `detail`.
    public func report(done: Int, total: Int, unit: String, detail: String = "") {
        let seconds = max(0.001, (ContinuousClock.now - started).inSeconds)
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let bar = String(repeating: "#", count: Int(fraction * Double(width))).padding(toLength: width, withPad: ".", startingAt: 0)
        var line = "\(label): [\(bar)] \(done)/\(total) \(unit) (\(Int(fraction * 100))%), \(Int(Double(done) / seconds)) \(unit)/s"
        if !detail.isEmpty { line += ", " + detail }
        FileHandle.standardError.write(Data((terminal ? "\r" + line + "\u{1B}[K" : line + "\n").utf8))
    }

    /// Ends the redrawn line, so what follows starts on its own.
    public func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

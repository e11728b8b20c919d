import Foundation
import Logging

/// A logger for tests: silent unless `TEST_LOG_LEVEL` (e.g. `debug`) asks for output.
public func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

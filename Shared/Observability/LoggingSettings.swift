import Logging
import ServiceConfiguration

/// `LOG_LEVEL` and `LOG_FORMAT`, read the same way by every service.
public struct LoggingSettings: Sendable, Equatable {
    public var level: Logger.Level = .info
    public var format: LogFormat = .logfmt

    public init(level: Logger.Level = .info, format: LogFormat = .logfmt) {
        self.level = level
        self.format = format
    }

    public init(environment reader: EnvironmentReader) throws(ConfigurationError) {
        level = try reader.logLevel(Settings.logLevel.name, default: Logger.Level(rawValue: Settings.logLevel.defaultValue) ?? .info)
        let format = reader.value(Settings.logFormat)
        guard let logFormat = LogFormat(rawValue: format) else { throw ConfigurationError("LOG_FORMAT=\(format) must be logfmt or json") }
        self.format = logFormat
    }
}

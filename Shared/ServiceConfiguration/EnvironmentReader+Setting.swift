extension EnvironmentReader {
    /// The integer setting's value, or its default (`serviceDefault` where it differs by service).
    public func value(_ setting: Setting<Int>, default serviceDefault: Int? = nil) throws(ConfigurationError) -> Int {
        try integer(setting.name, default: serviceDefault ?? setting.defaultValue, range: setting.range ?? Int.min...Int.max)
    }

    public func value(_ setting: Setting<Duration>) throws(ConfigurationError) -> Duration {
        try duration(setting.name, default: setting.defaultValue)
    }

    public func value(_ setting: Setting<Bool>) throws(ConfigurationError) -> Bool {
        try flag(setting.name, default: setting.defaultValue)
    }

    /// The text setting's value, or its default (`serviceDefault` where it differs by service).
    public func value(_ setting: Setting<String>, default serviceDefault: String? = nil) -> String {
        string(setting.name, default: serviceDefault ?? setting.defaultValue)
    }

    /// The value, `nil` when unset; a secret setting also reads `<name>_FILE`.
    public func value(_ setting: Setting<String?>) throws(ConfigurationError) -> String? {
        setting.documentation.alsoFromFile ? try secret(setting.name) : optionalString(setting.name)
    }
}

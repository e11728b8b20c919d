import Prometheus

extension MetricNameDescriptor {
    /// A metric's whole name, as it appears on `/metrics` (`consumer_events_total`), with its
    /// `# HELP` text. One string rather than name parts joined by the library, so a name can
    /// be found in the code by searching for it.
    public init(_ name: String, help: String) {
        self.init(metricName: name, unitName: "", helpText: help)
    }
}

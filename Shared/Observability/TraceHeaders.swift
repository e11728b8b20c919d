import Instrumentation

/// `traceparent` and `tracestate` as a dictionary: how a service's tracer writes a span's
/// W3C context into what is stored (the outbox row) or sent (the event), and reads it back.
struct TraceHeaders: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}

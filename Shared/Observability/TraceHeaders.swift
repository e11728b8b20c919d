import Instrumentation

/// `traceparent` and `tracestate`, as a service's tracer writes a span's W3C context into what
/// is stored (the outbox row) or sent (the event), and reads it back: two fields rather than a
/// dictionary, since it is made for every traced write, send and apply.
struct TraceHeaders: Injector, Extractor {
    struct Fields: Sendable {
        var traceparent: String?
        var tracestate: String?
    }

    func inject(_ value: String, forKey key: String, into carrier: inout Fields) {
        switch key {
        case "traceparent": carrier.traceparent = value
        case "tracestate": carrier.tracestate = value
        default: break
        }
    }

    func extract(key: String, from carrier: Fields) -> String? {
        switch key {
        case "traceparent": carrier.traceparent
        case "tracestate": carrier.tracestate
        default: nil
        }
    }
}

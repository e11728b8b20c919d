import Events
import Tracing

extension Tracer {
    /// The W3C context of the span in `context`, to store with an outbox row or put in an
    /// event; `nil` when there is no span (tracing off: the no-op tracer injects nothing).
    public func traceContext(of context: ServiceContext) -> TraceContext? {
        var carrier = TraceHeaders.Fields()
        inject(context, into: &carrier, using: TraceHeaders())
        return carrier.traceparent.flatMap { TraceContext(traceparent: $0, tracestate: carrier.tracestate) }
    }

    /// A context whose span is the one `traceContext` names: the parent of a span that
    /// continues it (the relay's publish, a consumer's apply). Without one, a new trace.
    public func context(continuing traceContext: TraceContext?) -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let traceContext else { return context }
        extract(TraceHeaders.Fields(traceparent: traceContext.traceparent, tracestate: traceContext.tracestate), into: &context, using: TraceHeaders())
        return context
    }
}

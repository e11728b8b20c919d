import Tracing

/// The producer span of one record of a batch the relay sent, by its index in the batch:
/// ended when the batch's delivery reports are in.
struct SendSpan: Sendable {
    let index: Int
    let span: any Span
}

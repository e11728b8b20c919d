import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Looks after each request head before the router sees it (added to every
/// connection by ``HTTPTimeouts/server``):
///
/// - **Head deadline**: when bytes of a new request arrive, the head must be complete
///   within `timeout`, however slowly the bytes trickle in; otherwise the client gets a
///   408 problem and the connection is closed. Waiting for the next request is the idle
///   time-out's business, not this one's: the clock starts with the first byte.
/// - **Parse errors as problems**: a head the HTTP/1.1 decoder refuses (headers over the
///   decoder's limit: 431; a malformed `Content-Length`, or anything else: 400) is answered
///   with `application/problem+json` and the connection closed. When a response is still
///   under way on the connection, the error goes on down the pipeline instead: to the handler
///   reading the body (``ProblemMiddleware`` makes it a 400 problem), or else to Hummingbird,
///   which answers a bare 400 and closes; so two responses never interleave.
public final class RequestHeadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let timeout: Duration
    /// True between requests: the next bytes begin a new head.
    private var awaitingHead = true
    /// Requests whose head was read and whose response has not ended yet.
    private var responsesUnderWay = 0
    /// Whether the decoder produced any part from the current read.
    private var partsInThisRead = false
    private var deadline: Scheduled<Void>?
    /// Set once this handler has answered; the connection is closing and input is ignored.
    private var answered = false

    /// - Parameter timeout: how long a request head may take from its first byte.
    public init(timeout: Duration) {
        self.timeout = timeout
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        partsInThisRead = true
        switch unwrapInboundIn(data) {
        case .head:
            awaitingHead = false
            responsesUnderWay += 1
            cancelDeadline()
        case .body:
            break
        case .end:
            awaitingHead = true
        }
        context.fireChannelRead(data)
    }

    /// Fires after every socket read, also one that gave the decoder too little for a part:
    /// bytes arrived while no head was being read means a new head has begun.
    public func channelReadComplete(context: ChannelHandlerContext) {
        if awaitingHead, !partsInThisRead, !answered, deadline == nil {
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
                self.deadlineExpired(context: context)
            }
        }
        partsInThisRead = false
        context.fireChannelReadComplete()
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responsesUnderWay -= 1 }
        context.write(data, promise: promise)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if answered { return } // the decoder keeps complaining about input after its first error
        if let parseError = error as? HTTPParserError, responsesUnderWay == 0 {
            answer(Self.problem(for: parseError), context: context)
            return
        }
        context.fireErrorCaught(error)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    /// The problem answering a head the decoder refused.
    static func problem(for error: HTTPParserError) -> HTTPProblem {
        switch error {
        case .headerOverflow:
            HTTPProblem(.requestHeaderFieldsTooLarge, "the request head is larger than the server accepts")
        case .invalidContentLength, .unexpectedContentLength:
            HTTPProblem(.badRequest, "the request's Content-Length is not valid")
        default:
            HTTPProblem(.badRequest, "the request is not valid HTTP/1.1 (\(error))")
        }
    }

    private func deadlineExpired(context: ChannelHandlerContext) {
        deadline = nil
        guard awaitingHead, !answered else { return }
        if responsesUnderWay == 0 {
            answer(HTTPProblem(.requestTimeout, "the request head was not complete within \(timeout)"), context: context)
        } else {
            answered = true
            context.close(promise: nil)
        }
    }

    /// Writes `problem` as the only response and closes the connection once it is sent.
    private func answer(_ problem: HTTPProblem, context: ChannelHandlerContext) {
        answered = true
        cancelDeadline()
        let body = problem.encodedDetails()
        var fields = problem.headers
        fields[.contentType] = HTTPProblem.mediaType
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: problem.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

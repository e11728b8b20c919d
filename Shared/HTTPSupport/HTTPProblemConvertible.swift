/// An error of a service's domain that the HTTP edge answers with a problem.
///
/// Stores and other domain types throw their own small error structs, which know
/// nothing of HTTP; a service declares the conformance beside its routes (the HTTP edge),
/// and ``HTTPProblem/init(answering:)`` — used by ``ProblemMiddleware`` and by the
/// write metrics — turns the error into its problem there.
public protocol HTTPProblemConvertible: Error {
    /// The problem this error answers as.
    var problem: HTTPProblem { get }
}

import Foundation
import HTTPSupport
import HTTPTypes

/// An `If-Match` precondition over user versions: `"3"`, `W/"3"`, a list, or `*`.
struct IfMatch: Sendable {
    /// `nil` means `*` (any current version).
    let versions: Set<Int64>?

    /// The precondition every PUT, PATCH and DELETE must carry: 428 without `If-Match`, or with
    /// `*` (which names no version, so it would let a client overwrite a change it never saw).
    static func required(_ header: String?) throws(HTTPProblem) -> IfMatch {
        guard let ifMatch = parse(header), ifMatch.versions != nil else {
            throw HTTPProblem(
                .preconditionRequired,
                "send If-Match: \"<version>\" with the version you read (its ETag): a write without it could overwrite a change you never saw"
            )
        }
        return ifMatch
    }

    /// `nil` when the header is absent.
    static func parse(_ header: String?) -> IfMatch? {
        guard let header else { return nil }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") { return IfMatch(versions: nil) }
        let versions = tags.compactMap { tag -> Int64? in
            var text = Substring(tag)
            if text.hasPrefix("W/") { text = text.dropFirst(2) }
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
            return Int64(text)
        }
        // A tag we cannot read can never match: the write is refused with 412.
        return IfMatch(versions: Set(versions))
    }

    /// The 412 answer when the user is at `version`, which the header did not name.
    static func failed(currentVersion version: Int64) -> HTTPProblem {
        HTTPProblem(
            .preconditionFailed,
            "the user is at version \(version), not the one named by If-Match; read it again and retry with If-Match: \"\(version)\"",
            currentVersion: version
        )
    }
}

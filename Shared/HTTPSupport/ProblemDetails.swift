/// An RFC 9457 problem document (`application/problem+json`).
public struct ProblemDetails: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    /// What went wrong, for a person to read.
    public var detail: String
    /// The resource's current version, on 412 responses.
    public var currentVersion: Int64?
    /// The offending field, on 422 responses.
    public var field: String?

    public init(type: String = "about:blank", title: String, status: Int, detail: String, currentVersion: Int64? = nil, field: String? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.currentVersion = currentVersion
        self.field = field
    }
}

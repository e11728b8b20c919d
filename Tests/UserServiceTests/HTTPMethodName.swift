import NIOHTTP1

/// Method names for table-driven tests.
enum HTTPMethodName: String, CustomStringConvertible {
    case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"

    var nio: HTTPMethod { HTTPMethod(rawValue: rawValue) }
    var description: String { rawValue }
}

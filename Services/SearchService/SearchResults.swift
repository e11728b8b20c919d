import Hummingbird

/// `GET /search`: the best matches first, and how many matched in all.
struct SearchResults: ResponseCodable, Sendable, Equatable {
    var hits: [SearchHit]
    var total: Int64
}

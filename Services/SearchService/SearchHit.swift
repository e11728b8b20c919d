/// One match of `GET /search`.
struct SearchHit: Codable, Sendable, Equatable {
    var userId: String
    var name: String
    /// Only for the user itself and for administrators; absent for every other caller.
    var email: String?
    var bio: String
    var version: Int64
    /// `ts_rank` of the match: higher is better.
    var score: Double
}

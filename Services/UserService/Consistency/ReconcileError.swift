/// Why a comparison could not be made.
struct ReconcileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

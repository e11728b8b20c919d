/// A record's key and value, before a topic is chosen.
struct TestRecord: Sendable {
    var key: [UInt8]?
    var value: [UInt8]

    init(key: [UInt8]?, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    init(key: String, text: String) {
        self.init(key: Array(key.utf8), value: Array(text.utf8))
    }
}

/// The lag of one partition for one consumer group.
public struct PartitionLag: Sendable, Hashable {
    public let partition: Int32
    /// The offset the next produced record will get.
    public let logEndOffset: Int64
    /// The group's committed next offset, or `nil` if it has committed nothing.
    public let committedOffset: Int64?
    /// `logEndOffset − committedOffset`; without a commit, counted from the log start.
    public let lag: Int64

    public init(partition: Int32, logEndOffset: Int64, committedOffset: Int64?, lag: Int64) {
        self.partition = partition
        self.logEndOffset = logEndOffset
        self.committedOffset = committedOffset
        self.lag = lag
    }
}

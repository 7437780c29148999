/// A ticket's comments, in order: a collection that appends in constant time even when the ticket it
/// belongs to is shared with an earlier snapshot of the state.
///
/// The ledger decides each batch on a copy of the committed state while readers keep the committed
/// one, so every append to a plain array of comments copied the whole array first (copy on write),
/// and dropping the old snapshot destroyed it again: on a ticket with 100,000 comments that was more
/// than half of the hub's CPU per command (perf, docs/performance.md "Soak"). Here the comments are
/// kept in full chunks of ``chunkSize`` that are never changed again, and a short tail: an append on a
/// shared list copies only the tail and the list of chunk references. A value like any array (copies
/// are independent), equal and hashed by its elements, and encoded as a plain JSON array.
public struct CommentList: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// How many comments a full chunk holds.
    public static let chunkSize = 256

    private var chunks: [[Comment]] = []
    private var tail: [Comment] = []

    public init() {}

    public init(_ comments: some Sequence<Comment>) {
        for comment in comments { append(comment) }
    }

    public init(arrayLiteral comments: Comment...) { self.init(comments) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { chunks.count * Self.chunkSize + tail.count }

    public subscript(position: Int) -> Comment {
        precondition(position >= 0 && position < endIndex, "comment index \(position) out of range")
        let (chunk, offset) = position.quotientAndRemainder(dividingBy: Self.chunkSize)
        return chunk < chunks.count ? chunks[chunk][offset] : tail[offset]
    }

    /// Adds a comment at the end.
    public mutating func append(_ comment: Comment) {
        tail.append(comment)
        if tail.count == Self.chunkSize {
            chunks.append(tail)
            tail = []
            tail.reserveCapacity(Self.chunkSize)
        }
    }

    public static func == (left: CommentList, right: CommentList) -> Bool {
        left.count == right.count && left.elementsEqual(right)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for comment in self { hasher.combine(comment) }
    }
}

extension CommentList: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try [Comment](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for comment in self { try container.encode(comment) }
    }
}

import EventLoop

/// Streams a response body on one connection. `write` suspends while more than
/// `highWaterMark` bytes wait in the socket's queue, so a slow reader bounds memory.
final class ConnectionBodyWriter: HTTPBodyWriter, @unchecked Sendable {  // state confined to the connection's loop
    static let highWaterMark = 256 * 1024
    private weak var connection: HTTPServerConnection?
    private let loop: EventLoop
    private let chunked: Bool
    private var waiting: LoopCompletion<Void>?
    private var closed = false

    init(connection: HTTPServerConnection, chunked: Bool) {
        self.connection = connection
        self.loop = connection.loop
        self.chunked = chunked
    }

    func write(_ bytes: [UInt8]) async throws {
        try await withLoopCallback(on: loop) { (completion: LoopCompletion<Void>) in
            guard !self.closed, let connection = self.connection,
                connection.writeBodyChunk(bytes, chunked: self.chunked)
            else {
                completion.fail(HTTPServerError(.malformedRequest, "connection closed"))
                return
            }
            if connection.pendingWriteBytes <= Self.highWaterMark {
                completion.succeed(())
            } else {
                self.waiting = completion
                completion.onCancel { self.waiting = nil }
            }
        }
    }

    /// Called after each completed socket write.
    func writesProgressed() {
        guard let waiting, let connection, connection.pendingWriteBytes <= Self.highWaterMark / 2 else { return }
        self.waiting = nil
        waiting.succeed(())
    }

    func connectionClosed() {
        closed = true
        let waiting = self.waiting
        self.waiting = nil
        waiting?.fail(CancellationError())
    }
}

internal import CUV
#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP stream on one loop: reads as callbacks, writes with libuv's write queue.
public final class TCPStream: LoopHandle, @unchecked Sendable {  // confined to its loop thread
    /// What a read produced. `bytes` points into a buffer shared by the loop: copy it before returning.
    public enum ReadEvent {
        case bytes(UnsafeRawBufferPointer)
        case endOfFile
        case failed(EventLoopError)
    }

    private var onRead: ((ReadEvent) -> Void)?
    private var isReading = false

    init(loop: EventLoop) {
        super.init(loop: loop, type: UV_TCP)
        uv_tcp_init(loop.uv, tcp)  // cannot fail for an existing loop
        adopt()
    }

    var tcp: UnsafeMutablePointer<uv_tcp_t> { rawHandle.assumingMemoryBound(to: uv_tcp_t.self) }
    var stream: UnsafeMutablePointer<uv_stream_t> { rawHandle.assumingMemoryBound(to: uv_stream_t.self) }

    func configureAccepted() {
        uv_tcp_nodelay(tcp, 1)
    }

    /// Connects to `address`. Used by clients and tests; the gateway's upstream uses libcurl.
    public static func connect(loop: EventLoop, to address: SocketAddress) async throws -> TCPStream {
        try await withLoopCallback(on: loop) { (completion: LoopCompletion<TCPStream>) in
            let stream = TCPStream(loop: loop)
            let request = ConnectRequest(stream: stream, completion: completion)
            let status = address.withSockAddr {
                uv_tcp_connect(request.request, stream.tcp, $0) { request, status in
                    let box = Unmanaged<ConnectRequest>.fromOpaque(request!.pointee.data!).takeRetainedValue()
                    box.finish(status)
                }
            }
            if status < 0 {
                request.release()
                stream.close()
                completion.fail(EventLoopError.uv(status, "connect \(address)"))
                return
            }
            completion.onCancel { stream.close() }
        }
    }

    /// The peer's address, when the socket still has one.
    public var peerAddress: SocketAddress? {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutableBytes(of: &storage) { raw in
            uv_tcp_getpeername(tcp, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        return status == 0 ? SocketAddress(storage: storage) : nil
    }

    // MARK: Reading

    /// Delivers incoming bytes to `onRead` until `stopReading()`, end of file or an error.
    public func startReading(_ onRead: @escaping (ReadEvent) -> Void) {
        self.onRead = onRead
        resumeReading()
    }

    /// Stops delivering reads; `resumeReading()` continues with the same callback.
    public func stopReading() {
        guard isReading, !isClosed else { return }
        isReading = false
        uv_read_stop(stream)
    }

    /// Starts reading again after `stopReading()`.
    public func resumeReading() {
        guard !isReading, !isClosed, onRead != nil else { return }
        isReading = true
        uv_read_start(stream, { handle, _, buffer in
            let owner = LoopHandle.owner(handle, as: TCPStream.self)
            buffer!.pointee.base = owner.loop.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self)
            buffer!.pointee.len = owner.loop.readBuffer.count
        }, { handle, count, _ in
            let owner = LoopHandle.owner(handle, as: TCPStream.self)
            owner.deliver(count)
        })
    }

    private func deliver(_ count: Int) {
        guard let onRead else { return }
        if count > 0 {
            onRead(.bytes(UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count])))
        } else if count == Int(UV_EOF.rawValue) {
            stopReading()
            onRead(.endOfFile)
        } else if count < 0 {
            stopReading()
            onRead(.failed(.uv(Int32(count), "read")))
        }
    }

    // MARK: Writing

    /// Bytes accepted by `write` and not yet handed to the kernel.
    public var pendingWriteBytes: Int { isClosed ? 0 : uv_stream_get_write_queue_size(stream) }

    /// Writes `bytes` in order after earlier writes. `completion` runs on the loop once the kernel
    /// has them (possibly before `write` returns) or the write failed.
    public func write(_ bytes: [UInt8], completion: ((EventLoopError?) -> Void)? = nil) {
        guard !isClosed else {
            completion?(EventLoopError(code: .loopClosed, operation: "write on closed stream"))
            return
        }
        if bytes.isEmpty {
            completion?(nil)
            return
        }
        // Fast path: the kernel usually takes a whole small response at once.
        var written = 0
        if uv_stream_get_write_queue_size(stream) == 0 {
            let status = bytes.withUnsafeBytes { raw in
                var buffer = uv_buf_init(
                    UnsafeMutablePointer(mutating: raw.baseAddress!.assumingMemoryBound(to: CChar.self)),
                    UInt32(raw.count))
                return uv_try_write(stream, &buffer, 1)
            }
            if status == Int32(bytes.count) {
                completion?(nil)
                return
            }
            if status > 0 {
                written = Int(status)
            } else if status != UV_EAGAIN.rawValue {
                completion?(.uv(status, "write"))
                return
            }
        }
        let request = WriteRequest(bytes: bytes[written...], completion: completion)
        let status = uv_write(request.request, stream, &request.buffer, 1) { request, status in
            let box = Unmanaged<WriteRequest>.fromOpaque(request!.pointee.data!).takeRetainedValue()
            box.finish(status)
        }
        if status < 0 {
            request.release()
            completion?(.uv(status, "write"))
        }
    }

    /// Half-closes the stream (sends FIN) after pending writes.
    public func shutdownWriting() {
        guard !isClosed else { return }
        let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        if uv_shutdown(request, stream, { request, _ in request?.deallocate() }) < 0 {
            request.deallocate()
        }
    }

    /// Closes with a TCP reset, dropping unsent bytes: for peers that misbehave.
    public func reset() {
        guard beginClosing() else { return }
        if uv_tcp_close_reset(tcp, LoopHandle.closeCallback) != 0 {
            uv_close(handle, LoopHandle.closeCallback)
        }
    }

    override func willClose() { onRead = nil }
}

/// One `uv_write` in flight: owns a copy of the bytes until libuv is done with them.
private final class WriteRequest {
    let request: UnsafeMutablePointer<uv_write_t> = .allocate(capacity: 1)
    let storage: UnsafeMutableRawBufferPointer
    var buffer: uv_buf_t
    let completion: ((EventLoopError?) -> Void)?

    init(bytes: ArraySlice<UInt8>, completion: ((EventLoopError?) -> Void)?) {
        storage = .allocate(byteCount: bytes.count, alignment: 1)
        storage.copyBytes(from: bytes)
        buffer = uv_buf_init(storage.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
        self.completion = completion
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    deinit {
        storage.deallocate()
        request.deallocate()
    }

    /// Drops the retain taken for libuv when the write never started.
    func release() { Unmanaged.passUnretained(self).release() }

    func finish(_ status: Int32) {
        completion?(status < 0 ? .uv(status, "write") : nil)
    }
}

/// One `uv_tcp_connect` in flight.
private final class ConnectRequest {
    let request: UnsafeMutablePointer<uv_connect_t> = .allocate(capacity: 1)
    let stream: TCPStream
    let completion: LoopCompletion<TCPStream>

    init(stream: TCPStream, completion: LoopCompletion<TCPStream>) {
        self.stream = stream
        self.completion = completion
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    deinit { request.deallocate() }

    func release() { Unmanaged.passUnretained(self).release() }

    func finish(_ status: Int32) {
        if status < 0 {
            stream.close()
            completion.fail(EventLoopError.uv(status, "connect"))
        } else {
            stream.configureAccepted()
            completion.succeed(stream)
        }
    }
}

@testable import EventLoop
import Testing
import TestSupport

/// Reads from `stream` until `count` bytes arrived (or end of file), then stops reading.
func read(_ stream: TCPStream, count: Int) async throws -> [UInt8] {
    try await withLoopCallback(on: stream.loop) { (completion: LoopCompletion<[UInt8]>) in
        var received: [UInt8] = []
        stream.startReading { event in
            switch event {
            case .bytes(let bytes):
                received.append(contentsOf: bytes)
                if received.count >= count {
                    stream.stopReading()
                    completion.succeed(received)
                }
            case .endOfFile:
                completion.succeed(received)
            case .failed(let error):
                completion.fail(error)
            }
        }
        completion.onCancel { stream.stopReading() }
    }
}

/// Writes `bytes` and waits until the kernel has them.
func write(_ stream: TCPStream, _ bytes: [UInt8]) async throws {
    try await withLoopCallback(on: stream.loop) { (completion: LoopCompletion<Void>) in
        stream.write(bytes) { error in
            if let error { completion.fail(error) } else { completion.succeed(()) }
        }
    }
}

/// An echo server on `loop`: every accepted stream writes back what it reads and closes at EOF.
func startEchoServer(on loop: EventLoop, accepted: LockedValue<Int>? = nil) async throws -> TCPListener {
    try await loop.submit { () throws -> TCPListener in
        let listener = try TCPListener(
            loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
        try listener.listen { stream in
            accepted?.withLock { $0 += 1 }
            stream.startReading { event in
                switch event {
                case .bytes(let bytes): stream.write(Array(bytes))
                case .endOfFile, .failed: stream.close()
                }
            }
        }
        return listener
    }
}

@Suite struct TCPTests {
    @Test func echoOverLoopback() async throws {
        try await withLoop { loop in
            let accepted = LockedValue(0)
            let listener = try await startEchoServer(on: loop, accepted: accepted)
            let port = listener.localAddress.port
            #expect(port > 0)
            let client = try await TCPStream.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: port))
            #expect(try await loop.submit { client.peerAddress?.port } == port)
            #expect(try await loop.submit { client.peerAddress?.host } == "127.0.0.1")

            for message in ["hello", "", "a second message", String(repeating: "x", count: 1000)] {
                let bytes = Array(message.utf8)
                try await write(client, bytes)
                if !bytes.isEmpty {
                    #expect(try await read(client, count: bytes.count) == bytes)
                }
            }
            #expect(accepted.withLock { $0 } == 1)
            try await loop.submit {
                client.close()
                listener.close()
            }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func largeWritesQueueAndDrain() async throws {
        try await withLoop { loop in
            let listener = try await startEchoServer(on: loop)
            let client = try await TCPStream.connect(
                loop: loop, to: SocketAddress(host: "127.0.0.1", port: listener.localAddress.port))
            // Twice the largest send buffer here (net.core.wmem_max, 4 MB): a fresh loopback
            // connection once took a whole 4 MB write at once.
            let payload = (0..<(8 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let done = LockedValue(false)
            let queuedRightAfterWrite = try await loop.submit { () -> Int in
                client.write(payload) { error in done.withLock { $0 = error == nil } }
                return client.pendingWriteBytes
            }
            let echoed = try await read(client, count: payload.count)
            #expect(echoed.count == payload.count)
            #expect(echoed == payload)
            #expect(await eventually { done.withLock { $0 } })
            #expect(try await loop.submit { client.pendingWriteBytes } == 0)
            #expect(queuedRightAfterWrite > 0, "8 MB should not fit in the socket at once")
            try await loop.submit {
                client.close()
                listener.close()
                #expect(client.pendingWriteBytes == 0)
            }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func writeOnAClosedStreamFails() async throws {
        try await withLoop { loop in
            let listener = try await startEchoServer(on: loop)
            let client = try await TCPStream.connect(
                loop: loop, to: SocketAddress(host: "127.0.0.1", port: listener.localAddress.port))
            try await loop.submit { client.close() }
            await #expect(throws: EventLoopError.self) { try await write(client, [1, 2, 3]) }
            try await loop.submit { listener.close() }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func halfCloseDeliversEndOfFileToThePeer() async throws {
        try await withLoop { loop in
            let listener = try await startEchoServer(on: loop)
            let client = try await TCPStream.connect(
                loop: loop, to: SocketAddress(host: "127.0.0.1", port: listener.localAddress.port))
            try await write(client, Array("bye".utf8))
            try await loop.submit { client.shutdownWriting() }
            // The echo server answers, sees EOF and closes: the client reads the echo, then EOF.
            let rest = try await read(client, count: Int.max)
            #expect(rest == Array("bye".utf8))
            try await loop.submit {
                client.close()
                listener.close()
            }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func resetClosesBothEnds() async throws {
        try await withLoop { loop in
            let listener = try await startEchoServer(on: loop)
            let client = try await TCPStream.connect(
                loop: loop, to: SocketAddress(host: "127.0.0.1", port: listener.localAddress.port))
            try await write(client, Array("x".utf8))
            _ = try await read(client, count: 1)
            try await loop.submit {
                client.reset()
                client.reset()  // idempotent
                #expect(client.isClosed)
            }
            try await loop.submit { listener.close() }
            // The server's stream sees the reset and closes itself.
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func connectingToAClosedPortFails() async throws {
        try await withLoop { loop in
            let listener = try await startEchoServer(on: loop)
            let port = listener.localAddress.port
            try await loop.submit { listener.close() }
            try await expectNoOpenHandles(loop)
            do {
                let stream = try await TCPStream.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: port))
                try await loop.submit { stream.close() }
                Issue.record("connected to a closed port")
            } catch let error as EventLoopError {
                #expect(error.code == .uv)
                #expect(error.uvName == "ECONNREFUSED")
                #expect(error.description.contains("ECONNREFUSED"))
            }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func secondListenerOnATakenPortReportsAddressInUse() async throws {
        try await withLoop { loop in
            let first = try await startEchoServer(on: loop)
            let port = first.localAddress.port
            let error = try await loop.submit { () -> EventLoopError? in
                var second: TCPListener?
                defer { second?.close() }
                do {
                    second = try TCPListener(
                        loop: loop, address: SocketAddress(host: "127.0.0.1", port: port), reusePort: false)
                    try second?.listen { $0.close() }
                    return nil
                } catch let error as EventLoopError {
                    return error
                }
            }
            #expect(error?.isAddressInUse == true)
            try await loop.submit { first.close() }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func reusePortLetsTwoLoopsShareAPort() async throws {
        let loops = try (0..<2).map { try EventLoop.start(name: "reuse-\($0)") }
        defer { EventLoop.shutdownAndJoin(loops) }
        let first = try await loops[0].submit {
            try TCPListener(loop: loops[0], address: SocketAddress(host: "127.0.0.1", port: 0), reusePort: true)
        }
        let port = first.localAddress.port
        let second = try await loops[1].submit {
            try TCPListener(loop: loops[1], address: SocketAddress(host: "127.0.0.1", port: port), reusePort: true)
        }
        #expect(second.localAddress.port == port)
        try await loops[0].submit { try first.listen { $0.close() } }
        try await loops[1].submit { try second.listen { $0.close() } }
        try await loops[0].submit { first.close() }
        try await loops[1].submit { second.close() }
        try await expectNoOpenHandles(loops[0])
        try await expectNoOpenHandles(loops[1])
    }

    @Test func connectInACancelledTaskThrowsWithoutOpeningAHandle() async throws {
        try await withLoop { loop in
            let listener = try await startEchoServer(on: loop)
            let port = listener.localAddress.port
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await TCPStream.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: port))
            }
            let result = await task.result
            if case .success(let stream) = result {
                try await loop.submit { stream.close() }
            }
            #expect(throws: CancellationError.self) { try result.get() }
            try await loop.submit { listener.close() }
            try await expectNoOpenHandles(loop)
        }
    }
}

@Suite struct SocketAddressTests {
    @Test func parsesNumericAddresses() throws {
        let v4 = try SocketAddress(host: "127.0.0.1", port: 8080)
        #expect(v4.host == "127.0.0.1")
        #expect(v4.port == 8080)
        #expect(v4.description == "127.0.0.1:8080")
        let v6 = try SocketAddress(host: "::1", port: 443)
        #expect(v6.host == "::1")
        #expect(v6.port == 443)
        #expect(v6.description == "[::1]:443")
        let local = try SocketAddress(host: "localhost", port: 0)
        #expect(local.host == "127.0.0.1")
    }

    @Test(arguments: [-1, 65536, 100_000])
    func rejectsPortsOutOfRange(port: Int) {
        #expect(throws: EventLoopError.self) { try SocketAddress(host: "127.0.0.1", port: port) }
        do {
            _ = try SocketAddress(host: "127.0.0.1", port: port)
        } catch {
            #expect(error.code == .invalidAddress)
        }
    }
}

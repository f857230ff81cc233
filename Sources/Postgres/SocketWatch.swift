internal import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// Watches libpq's socket through a private duplicate of its descriptor.
///
/// libpq closes its socket by itself (on errors, between hosts while connecting), and the
/// number can be reused at once by another connection on the same loop; closing a `uv_poll`
/// on a reused number would remove the other socket's epoll registration. Watching a `dup`
/// that only this object closes — right after the watcher, whose close removes the epoll
/// registration synchronously — keeps every registration ours. Confined to the loop thread.
///
/// The watcher is armed for as long as its owner wants events, not once per wait: every
/// `uv_poll_start` removes and re-adds the epoll registration (two `epoll_ctl` calls) and
/// every `uv_poll_stop` removes it, so `arm` with the events already armed does nothing.
final class SocketWatch {
    let libpqDescriptor: Int32
    private let inode: UInt64
    private let descriptor: Int32
    private let watcher: PollWatcher
    private let onEvent: (Result<PollEvents, EventLoopError>) -> Void
    /// The events the watcher is started for; empty while stopped.
    private(set) var armed: PollEvents = []

    /// - Parameter onEvent: called on the loop thread for every readiness report while armed.
    init(
        loop: EventLoop, libpqDescriptor: Int32, onEvent: @escaping (Result<PollEvents, EventLoopError>) -> Void
    ) throws(PostgresError) {
        self.libpqDescriptor = libpqDescriptor
        self.onEvent = onEvent
        inode = Self.inode(of: libpqDescriptor)
        descriptor = dup(libpqDescriptor)
        guard descriptor >= 0 else {
            throw PostgresError(.connectionFailed, message: "dup(socket) failed: errno \(errno)")
        }
        do {
            watcher = try PollWatcher(loop: loop, fileDescriptor: descriptor)
        } catch {
            Glibc.close(descriptor)
            throw PostgresError(.connectionFailed, message: "uv_poll_init_socket failed: \(error)")
        }
    }

    /// True when `fd` is still the socket this object watches (same number, same socket).
    func watches(_ fd: Int32) -> Bool {
        fd == libpqDescriptor && Self.inode(of: fd) == inode
    }

    /// Reports `events` from now on; nothing to do when they are armed already.
    func arm(_ events: PollEvents) {
        guard events != armed else { return }
        armed = events
        watcher.start(events, onEvent)
    }

    func disarm() {
        guard !armed.isEmpty else { return }
        armed = []
        watcher.stop()
    }

    private var isClosed = false

    func close() {
        guard !isClosed else { return }
        isClosed = true
        armed = []
        watcher.close()
        Glibc.close(descriptor)
    }

    /// A connection dropped without `closeNow` must not leave its watcher armed: libuv keeps the
    /// handle alive, and its callback would reach the dead connection on the next event.
    deinit {
        guard !isClosed else { return }
        let watcher = self.watcher, descriptor = self.descriptor
        watcher.loop.executeSoonOrNow {
            watcher.close()
            Glibc.close(descriptor)
        }
    }

    private static func inode(of fd: Int32) -> UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : 0
    }
}

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
final class SocketWatch {
    let libpqDescriptor: Int32
    private let inode: UInt64
    private let descriptor: Int32
    private let watcher: PollWatcher

    init(loop: EventLoop, libpqDescriptor: Int32) throws(PostgresError) {
        self.libpqDescriptor = libpqDescriptor
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

    func start(_ events: PollEvents, _ callback: @escaping (Result<PollEvents, EventLoopError>) -> Void) {
        watcher.start(events, callback)
    }

    func stop() { watcher.stop() }

    func close() {
        watcher.close()
        Glibc.close(descriptor)
    }

    private static func inode(of fd: Int32) -> UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : 0
    }
}

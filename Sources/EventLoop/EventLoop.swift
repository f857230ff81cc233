internal import CUV
#if canImport(Glibc)
import Glibc
#endif

/// One libuv loop running on its own thread, and the Swift executor for that thread.
///
/// Code started with `Task(executorPreference: loop)` — or isolated to an actor whose
/// `unownedExecutor` is the loop's — runs on the loop thread after every `await`, so it may
/// touch the loop's handles directly. Any thread may hand work to the loop with `execute(_:)`.
///
/// ```swift
/// let loop = try EventLoop.start(name: "worker-0")
/// Task(executorPreference: loop) { try await loop.sleep(for: .milliseconds(10)) }
/// loop.shutdown(); loop.join()
/// ```
public final class EventLoop: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // Everything but `inbox` is touched only on the loop thread (or before it starts / after join).
    let uv: UnsafeMutablePointer<uv_loop_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    /// Drains the inbox in the next iteration when the loop thread queued the first job itself
    /// (a continuation resumed from an I/O callback): starting an idle handle only links it into
    /// a list, where `uv_async_send` costs an eventfd write, a read and an epoll wake-up.
    private let soon: UnsafeMutablePointer<uv_idle_t>
    private let inbox = LockedValue(Inbox())
    private var loopThread = pthread_t()
    private var started = sem_t()
    /// Posted once when the thread has ended; `join()` waits on it and posts it again, so any
    /// number of callers on any threads may join (each then sees `closeStatus` written).
    private var exited = sem_t()
    private var shutdownHooks: [Int: () -> Void] = [:]
    private var nextHookID = 0
    private var openHandles = 0

    /// A name for logs and thread listings.
    public let name: String
    /// A buffer every stream on this loop reads into; consumers copy out during their callback.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// True once `shutdown()` ran on the loop thread.
    public private(set) var isShuttingDown = false
    /// `uv_loop_close`'s status after the thread ended: 0 means no handle was left open.
    public var closeStatus: Int32 { ending.withLock { $0.closeStatus } }
    /// Handles still open when `shutdown()` ran, which it then closed by force.
    public var forcedCloses: Int { ending.withLock { $0.forcedCloses } }
    /// Written on the loop thread, read by whoever joined: under a lock, so a reader never depends
    /// on how it learned that the thread ended.
    private let ending = LockedValue((closeStatus: Int32(0), forcedCloses: 0))

    private struct Inbox {
        var jobs: [Job] = []
        var wakeupPending = false
        var closed = false
    }

    private enum Job: @unchecked Sendable {  // closures are only ever run on the loop thread
        case task(UnownedJob)
        case closure(() -> Void)
    }

    private init(name: String) throws(EventLoopError) {
        self.name = name
        uv = .allocate(capacity: 1)
        wakeup = .allocate(capacity: 1)
        soon = .allocate(capacity: 1)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        try uvCheck(uv_loop_init(uv), "uv_loop_init")
        uv.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        try uvCheck(
            uv_async_init(uv, wakeup) { handle in
                EventLoop.from(handle!.pointee.loop).drainInbox()
            }, "uv_async_init")
        uv_idle_init(uv, soon)  // cannot fail
        soon.pointee.data = nil  // not a LoopHandle: shutdown's walk must skip it
        sem_init(&started, 0, 0)
        sem_init(&exited, 0, 0)
    }

    deinit {
        sem_destroy(&started)
        sem_destroy(&exited)
        readBuffer.deallocate()
        wakeup.deallocate()
        soon.deallocate()
        uv.deallocate()
    }

    /// Creates a loop and starts its thread; returns once the thread runs.
    public static func start(name: String) throws(EventLoopError) -> EventLoop {
        let loop = try EventLoop(name: name)
        var thread = pthread_t()
        let box = Unmanaged.passRetained(loop).toOpaque()
        let status = pthread_create(&thread, nil, { raw in
            let loop = Unmanaged<EventLoop>.fromOpaque(raw!).takeRetainedValue()
            loop.threadMain()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<EventLoop>.fromOpaque(box).release()
            throw EventLoopError(code: .uv, uvStatus: -status, operation: "pthread_create")
        }
        sem_wait(&loop.started)
        pthread_detach(thread)
        return loop
    }

    static func from(_ uvLoop: UnsafeMutablePointer<uv_loop_t>?) -> EventLoop {
        Unmanaged<EventLoop>.fromOpaque(uvLoop!.pointee.data!).takeUnretainedValue()
    }

    private func threadMain() {
        loopThread = pthread_self()
        cuv_set_thread_name(name)
        sem_post(&started)
        uv_run(uv, UV_RUN_DEFAULT)
        // The wakeup handle is unreferenced once shutdown ran; finish whatever is still queued.
        while let jobs = takeJobsOrClose() {
            run(jobs)
            uv_run(uv, UV_RUN_DEFAULT)
        }
        uv_close(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self), nil)
        uv_close(UnsafeMutableRawPointer(soon).assumingMemoryBound(to: uv_handle_t.self), nil)
        uv_run(uv, UV_RUN_DEFAULT)
        let status = uv_loop_close(uv)
        ending.withLock { $0.closeStatus = status }
        sem_post(&exited)
    }

    private func takeJobsOrClose() -> [Job]? {
        inbox.withLock { inbox in
            if inbox.jobs.isEmpty {
                inbox.closed = true
                return nil
            }
            defer { inbox.jobs = [] }
            return inbox.jobs
        }
    }

    /// Waits until the loop's thread has ended. Call `shutdown()` first.
    public func join() {
        sem_wait(&exited)
        sem_post(&exited)
    }

    /// True when called on this loop's thread.
    public var inLoop: Bool { pthread_equal(pthread_self(), loopThread) != 0 }

    /// Stops in debug builds when called off the loop thread.
    public func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(inLoop, "not on loop \(name)", file: file, line: line)
    }

    // MARK: Work from any thread

    /// Runs `work` on the loop thread, soon. Safe from any thread.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        submit(.closure(work))
    }

    /// Runs `work` now when already on the loop thread, else queues it.
    public func executeSoonOrNow(_ work: @escaping @Sendable () -> Void) {
        if inLoop { work() } else { submit(.closure(work)) }
    }

    private func submit(_ job: Job) {
        let (wake, closed) = inbox.withLock { inbox -> (Bool, Bool) in
            if inbox.closed { return (false, true) }
            inbox.jobs.append(job)
            defer { inbox.wakeupPending = true }
            return (!inbox.wakeupPending, false)
        }
        if closed {
            // The loop has ended: nothing can run on it any more. Run the job here, under
            // a lock, so work handed over late (a stray continuation) still completes.
            lateJobs.withLock { _ in run([job]) }
        } else if wake {
            if inLoop {
                uv_idle_start(soon) { handle in EventLoop.from(handle!.pointee.loop).drainInbox() }
            } else {
                uv_async_send(wakeup)
            }
        }
    }

    private let lateJobs = LockedValue(())

    private func drainInbox() {
        for _ in 0..<16 {
            let jobs = inbox.withLock { inbox -> [Job] in
                if inbox.jobs.isEmpty {
                    inbox.wakeupPending = false
                    return []
                }
                defer { inbox.jobs = [] }
                return inbox.jobs
            }
            if jobs.isEmpty {
                uv_idle_stop(soon)  // started or not: the next job queued wakes the loop again
                return
            }
            run(jobs)
        }
        // Still busy after several rounds: let I/O run, then continue in the next iteration.
        uv_async_send(wakeup)
    }

    private func run(_ jobs: [Job]) {
        for job in jobs {
            switch job {
            case .task(let job):
                // Run as the task executor, not isolated to the loop's serial executor: nearly
                // every job is nonisolated code of a task that prefers this loop, and the
                // runtime hops (re-enqueues the task here) whenever the running code's isolation
                // differs from the one the job ran with. Isolated to the loop, each call into
                // a nonisolated async function cost a trip through the inbox (37 per pooled
                // query request). Actor code whose executor is this loop still runs here; it
                // pays the one hop on entry instead, and `checkIsolated()` vouches for it.
                job.runSynchronously(on: asUnownedTaskExecutor())
            case .closure(let work):
                work()
            }
        }
    }

    // MARK: Executor

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.task(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(inLoop, "expected to run on loop \(name)")
    }

    // MARK: Handles and shutdown

    func handleOpened() { openHandles += 1 }
    func handleClosed() { openHandles -= 1 }

    /// Handles created through this module that are not yet closed.
    public var openHandleCount: Int {
        assertInLoop()
        return openHandles
    }

    /// Registers `hook` to run on the loop thread when `shutdown()` runs. Returns a token for
    /// `removeShutdownHook`. Loop thread only.
    @discardableResult
    public func addShutdownHook(_ hook: @escaping () -> Void) -> Int {
        assertInLoop()
        nextHookID += 1
        shutdownHooks[nextHookID] = hook
        return nextHookID
    }

    public func removeShutdownHook(_ token: Int) {
        assertInLoop()
        shutdownHooks[token] = nil
    }

    /// Ends the loop: runs the shutdown hooks, closes every handle still open (counting it in
    /// `forcedCloses`), lets queued jobs finish, and lets the thread end. Safe from any thread.
    public func shutdown() {
        execute { [self] in
            guard !isShuttingDown else { return }
            isShuttingDown = true
            let hooks = shutdownHooks.sorted { $0.key < $1.key }.map(\.value)
            shutdownHooks = [:]
            for hook in hooks { hook() }
            closeRemainingHandles()
            uv_unref(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self))
        }
    }

    private func closeRemainingHandles() {
        var stillOpen: [LoopHandle] = []
        withUnsafeMutablePointer(to: &stillOpen) { list in
            uv_walk(uv, { handle, arg in
                guard let handle, let data = handle.pointee.data, uv_is_closing(handle) == 0,
                    handle.pointee.type != UV_ASYNC
                else { return }
                let owner = Unmanaged<LoopHandle>.fromOpaque(data).takeUnretainedValue()
                arg!.assumingMemoryBound(to: [LoopHandle].self).pointee.append(owner)
            }, list)
        }
        ending.withLock { $0.forcedCloses += stillOpen.count }
        for handle in stillOpen { handle.close() }
    }

    /// Runs the loop's pending work and stops every loop in `loops`, then joins them.
    public static func shutdownAndJoin(_ loops: [EventLoop]) {
        for loop in loops { loop.shutdown() }
        for loop in loops { loop.join() }
    }
}

extension EventLoop {
    /// Nanoseconds on a monotonic clock (`uv_hrtime`), from any thread.
    public static var monotonicNanoseconds: UInt64 { uv_hrtime() }

    /// Runs `body` on the loop thread and returns its result.
    public func submit<T: Sendable>(_ body: @escaping () throws -> T) async throws -> T {
        try await withLoopCallback(on: self) { (completion: LoopCompletion<T>) in
            do { completion.succeed(try body()) } catch { completion.fail(error) }
        }
    }
}

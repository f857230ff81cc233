public import EventLoop

/// The simulator's state behind one actor isolated to one event loop: every request, from
/// whichever loop it arrived on, reads and changes the state on that loop's thread.
///
/// ```swift
/// let run = try await engine.perform { state, now throws(SimulatorError) in
///     try state.run(threadID: threadID, runID, now: now)
/// }
/// ```
public actor SimulatorEngine {
    /// The loop the state lives on; also the loop streams sleep on.
    public nonisolated let loop: EventLoop
    private let clock: any SimulatorClock
    private var state: SimulatorState

    public init(loop: EventLoop, clock: any SimulatorClock, state: SimulatorState) {
        self.loop = loop
        self.clock = clock
        self.state = state
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    /// The clock's time, from any thread.
    public nonisolated func now() -> Int64 { clock.nowMillis() }

    /// Runs `body` on the state with the current time.
    public func perform<T: Sendable>(
        _ body: @Sendable (inout SimulatorState, Int64) throws(SimulatorError) -> T
    ) throws(SimulatorError) -> T {
        try body(&state, clock.nowMillis())
    }

    /// Runs `body`, which cannot fail, on the state with the current time.
    public func update<T: Sendable>(_ body: @Sendable (inout SimulatorState, Int64) -> T) -> T {
        body(&state, clock.nowMillis())
    }
}

import HTTP1
import HTTPRouting
import JSON
import UpstreamAPI

extension APIError.Code {
    /// The thread has an active run; `active_run_id` names it when known.
    static let threadBusy = APIError.Code("thread_busy")
}

extension Gateway {
    static func threadBusy(_ thread: ThreadRecord, activeRunID: String?) -> APIError {
        var error = APIError.conflict(
            code: .threadBusy,
            message: activeRunID.map { "Thread \(thread.id) has an active run \($0); wait for it to end or cancel it." }
                ?? "Thread \(thread.id) is starting a run; retry shortly.")
        error.details["active_run_id"] = activeRunID.map(JSONValue.string) ?? .null
        return error
    }

    /// 409 `thread_busy` while the thread's history is being copied to another upstream (or
    /// was just moved, and the request read it before): retrying finds it in its new place.
    static func threadMigrating(_ thread: ThreadRecord) -> APIError {
        var error = APIError.conflict(
            code: .threadBusy, message: "Thread \(thread.id) is being moved to a new upstream API; retry in a few seconds.")
        error.details["active_run_id"] = .null
        error.headers.add(name: "retry-after", value: "2")
        return error
    }

    /// Takes `thread`'s turn, waiting until `deadline` for the holder to finish; a holder that
    /// ended upstream (its instance gone, or nobody looked) is released on the way.
    /// - Returns: the claim marker, to be replaced by the run id.
    /// - Throws: 409 `thread_busy` when the turn did not come in time.
    func takeTurn(_ thread: ThreadRecord, until deadline: ContinuousClock.Instant, _ request: RoutedRequest) async throws -> String {
        let marker = Identifier.make(prefix: "claim_")
        var pause = Duration.milliseconds(50)
        var lastReconcile: ContinuousClock.Instant?
        while true {
            if try await turns.claim(
                thread.id, upstreamThreadID: thread.upstreamThreadID, marker: marker, lease: configuration.ask.claimLease)
            {
                return marker
            }
            let holder = try await turns.holder(thread.id, upstreamThreadID: thread.upstreamThreadID)
            var activeRunID: String?
            switch holder {
            case .gone:
                throw Self.threadNotFound(thread.id)
            case .moved:
                throw Self.threadMigrating(thread)
            case .free:
                continue
            case .claimed(let other):
                if ThreadTurns.isMigrationMarker(other) { throw Self.threadMigrating(thread) }
            case .run(let runID, let leaseExpired):
                if leaseExpired { continue }
                activeRunID = runID
                let now = ContinuousClock.now
                if lastReconcile.map({ now - $0 >= .seconds(1) }) ?? true {
                    lastReconcile = now
                    if try await releaseIfEnded(thread, runID: runID, request) { continue }
                }
            }
            if ContinuousClock.now + pause > deadline || drain.isDraining {
                throw Self.threadBusy(thread, activeRunID: activeRunID)
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(500))
        }
    }

    /// Checks the holder run upstream and frees the thread if the run has ended (or the
    /// upstream no longer knows it). Returns whether the thread was freed.
    func releaseIfEnded(_ thread: ThreadRecord, runID: String, _ request: RoutedRequest) async throws -> Bool {
        let dialect = try dialects.dialect(thread.dialect)
        let run: UpstreamRun?
        do {
            run = try await dialect.retrieveRun(threadID: thread.upstreamThreadID, runID: runID, context: context(request))
        } catch {
            guard error.isNotFound else { throw error.apiError(replacing: [(thread.upstreamThreadID, thread.id)]) }
            run = nil
        }
        if let run {
            guard run.status.isTerminal else { return false }
            try await runs.update(run, threadID: thread.id)
        }
        try await turns.release(thread.id, holder: runID)
        return true
    }

    /// For plain proxy calls: 409 unless the thread is free (after one reconciliation).
    func requireFreeThread(_ thread: ThreadRecord, _ request: RoutedRequest) async throws {
        switch try await turns.holder(thread.id, upstreamThreadID: thread.upstreamThreadID) {
        case .gone:
            throw Self.threadNotFound(thread.id)
        case .moved:
            throw Self.threadMigrating(thread)
        case .free:
            return
        case .claimed(let marker):
            if ThreadTurns.isMigrationMarker(marker) { throw Self.threadMigrating(thread) }
            throw Self.threadBusy(thread, activeRunID: nil)
        case .run(let runID, let leaseExpired):
            if leaseExpired { return }
            if try await releaseIfEnded(thread, runID: runID, request) { return }
            throw Self.threadBusy(thread, activeRunID: runID)
        }
    }

    /// After seeing `run` of `thread`: record it, and free the thread if it ended.
    func observed(_ run: UpstreamRun, of thread: ThreadRecord, touchingActivity: Bool = false) async throws {
        try await runs.update(run, threadID: thread.id)
        if run.status.isTerminal {
            try await turns.release(thread.id, holder: run.id, touchingActivity: touchingActivity)
        } else if touchingActivity {
            try await threads.touchActivity(thread.id)
        }
    }
}

extension Gateway {
    /// Start-up reconciliation: frees threads whose holder is gone — claims whose lease ran
    /// out, runs that ended upstream while no instance watched them (the instance that
    /// started them died). Returns how many threads were freed. Errors are per thread and
    /// skipped: the on-demand reconciliation in ``takeTurn`` covers what this misses.
    public func reconcileActiveRuns(limit: Int = 1000) async -> Int {
        guard let held = try? await turns.held(limit: limit) else { return 0 }
        var freed = 0
        for (thread, holder) in held {
            if ThreadTurns.isMarker(holder) { continue }  // a live claim expires by its lease
            guard let dialect = try? dialects.dialect(thread.dialect) else { continue }
            do {
                let run = try await dialect.retrieveRun(
                    threadID: thread.upstreamThreadID, runID: holder, context: UpstreamCallContext(requestID: nil))
                guard run.status.isTerminal else { continue }
                try? await runs.update(run, threadID: thread.id)
            } catch {
                guard error.isNotFound else { continue }
            }
            if (try? await turns.release(thread.id, holder: holder)) != nil { freed += 1 }
        }
        return freed
    }
}

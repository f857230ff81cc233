import EventLoop

extension UpstreamHTTPClient {
    /// Runs attempts until the retry policy stops; returns the last result and the attempt count.
    func perform(_ original: UpstreamRequest, streaming: Bool) async throws(UpstreamHTTPError) -> (AttemptResult, Int) {
        let request = try PreparedRequest(original, configuration: configuration)
        let policy = original.retryPolicy ?? configuration.retryPolicy
        let idempotent = original.isIdempotent
        let firstStart = EventLoop.monotonicNanoseconds
        var attempt = 1
        while true {
            let start = EventLoop.monotonicNanoseconds
            // Bodies that may be retried are collected even for streams: a retry replaces them.
            let mayRetry = idempotent && attempt < policy.maxAttempts
            let collect = mayRetry && streaming ? policy.retryableStatuses : []
            let result = await attemptResult(request, streaming: streaming, collectStatuses: collect)
            let decision = decide(
                after: result, request: request, policy: policy, attempt: attempt, idempotent: idempotent,
                firstStart: firstStart, start: start)
            switch decision {
            case .stop:
                switch result {
                case .success(let value):
                    return (value, attempt)
                case .failure(var error):
                    error.attempts = attempt
                    throw error
                }
            case .retry(let delay):
                if case .success(.streaming(_, let channel)) = result { channel.abandon() }
                if multi.closedFlag.withLock({ $0 }) {
                    throw UpstreamHTTPError(.shutdown, attempts: attempt, target: request.target)
                }
                do {
                    try await loop.sleep(for: delay)
                } catch {
                    throw UpstreamHTTPError(.cancelled, attempts: attempt, target: request.target, detail: "during retry backoff")
                }
                attempt += 1
            }
        }
    }

    /// One attempt as a `Result`, so the caller's async frame holds no thrown error of its own.
    @inline(never)
    private func attemptResult(
        _ request: PreparedRequest, streaming: Bool, collectStatuses: Set<Int>
    ) async -> Result<AttemptResult, UpstreamHTTPError> {
        do {
            return .success(try await attemptOnce(request, streaming: streaming, collectStatuses: collectStatuses))
        } catch {
            return .failure(error)
        }
    }

    /// Logs the attempt and decides what follows. Synchronous and out of line: what it builds
    /// stays off the async frame of `perform`, which lives as long as the request.
    @inline(never)
    private func decide(
        after result: Result<AttemptResult, UpstreamHTTPError>, request: PreparedRequest, policy: RetryPolicy, attempt: Int,
        idempotent: Bool, firstStart: UInt64, start: UInt64
    ) -> RetryDecision {
        let end = EventLoop.monotonicNanoseconds
        let outcome: AttemptOutcome
        let head: UpstreamResponseHead?
        switch result {
        case .success(.complete(let h, _)), .success(.streaming(let h, _)):
            head = h
            outcome = .response(status: h.status, retryAfter: retryAfterDelay(h.headers))
        case .failure(let error):
            head = nil
            outcome = .failure(error.code)
        }
        let decision = policy.decide(
            after: outcome, attempt: attempt, idempotent: idempotent, elapsed: .nanoseconds(Int64(end &- firstStart)))
        configuration.attemptLog?(UpstreamAttemptRecord(
            target: request.target, attempt: attempt, status: head?.status,
            error: result.failureCode, curlCode: result.curlCode, durationNanos: end &- start,
            requestID: request.requestID, upstreamRequestID: head?.headers["x-request-id"], decision: decision))
        return decision
    }

    /// One attempt: the request goes out on the loop; returns its head (streams) or response.
    private func attemptOnce(
        _ request: PreparedRequest, streaming: Bool, collectStatuses: Set<Int>
    ) async throws(UpstreamHTTPError) -> AttemptResult {
        // After shutdown the loop may have ended: never hand it work then.
        if multi.closedFlag.withLock({ $0 }) { throw UpstreamHTTPError(.shutdown, target: request.target) }
        do {
            return try await withLoopCallback(on: loop) { (completion: LoopCompletion<AttemptResult>) in
                self.multi.start(request, streaming: streaming, collectStatuses: collectStatuses, completion: completion)
            }
        } catch let error as UpstreamHTTPError {
            throw error
        } catch {
            throw UpstreamHTTPError(.cancelled, target: request.target)
        }
    }

    /// Transfers in flight, sockets watched and idle easy handles, read on the loop.
    func statistics() async -> (transfers: Int, sockets: Int, idleHandles: Int) {
        (try? await loop.submit { self.multi.statistics }) ?? (0, 0, 0)
    }
}

extension Result<AttemptResult, UpstreamHTTPError> {
    fileprivate var failureCode: UpstreamHTTPError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }

    fileprivate var curlCode: Int32 {
        if case .failure(let error) = self { return error.curlCode }
        return 0
    }
}

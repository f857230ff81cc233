import EventLoop
import UpstreamHTTP

/// What one load run measured.
struct LoadResult: Sendable {
    /// Requests that ended (answered or failed).
    var completed = 0
    /// Non-2xx answers and failures.
    var errors = 0
    /// Error kinds (`status 503`, `connect_failed`, …) and their counts.
    var errorKinds: [String: Int] = [:]
    /// Latency of every request, in nanoseconds.
    var latencies: [UInt64] = []
    /// Wall time from the first request's start to the last one's end.
    var elapsedNanos: UInt64 = 0

    mutating func merge(_ other: LoadResult) {
        completed += other.completed
        errors += other.errors
        for (kind, count) in other.errorKinds { errorKinds[kind, default: 0] += count }
        latencies += other.latencies
    }
}

/// Closed-loop load: each of `concurrency` tasks sends the next request when the last ended.
enum LoadRun {
    /// Runs the tasks on the client's loop (each `await` resumes on the loop thread, as the
    /// gateway's handlers do) until `seconds` have passed.
    static func run(client: UpstreamHTTPClient, request: UpstreamRequest, concurrency: Int, seconds: Double) async -> LoadResult {
        let start = EventLoop.monotonicNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        let tasks = (0..<concurrency).map { _ in
            Task(executorPreference: client.loop) { () -> LoadResult in
                var result = LoadResult()
                result.latencies.reserveCapacity(Int(seconds * 20_000))
                while EventLoop.monotonicNanoseconds < deadline {
                    let sent = EventLoop.monotonicNanoseconds
                    do throws(UpstreamHTTPError) {
                        let response = try await client.execute(request)
                        if !(200..<300).contains(response.status) {
                            result.errors += 1
                            result.errorKinds["status \(response.status)", default: 0] += 1
                        }
                    } catch {
                        result.errors += 1
                        result.errorKinds[error.code.name, default: 0] += 1
                    }
                    result.latencies.append(EventLoop.monotonicNanoseconds &- sent)
                    result.completed += 1
                }
                return result
            }
        }
        var total = LoadResult()
        for task in tasks { total.merge(await task.value) }
        total.elapsedNanos = EventLoop.monotonicNanoseconds &- start
        return total
    }
}

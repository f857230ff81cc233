import EventLoop
public import HTTP1
import JSON

/// Request counters by route and status, filled from the server's access log on any loop
/// thread, and the fault counters. Read by `GET /v1/_simulator/stats`.
public final class SimulatorStats: Sendable {
    private struct Counts {
        var byRoute: [String: [Int: Int]] = [:]
        var byStatus: [Int: Int] = [:]
        var total = 0
        var faults: [String: Int] = [:]
    }

    private let counts = LockedValue(Counts())

    public init() {}

    /// Counts one finished request (499 when the client left first).
    public func record(_ record: HTTPAccessRecord) {
        let route = record.routeTemplate ?? "unknown"
        counts.withLock { counts in
            counts.total += 1
            counts.byRoute[route, default: [:]][record.status, default: 0] += 1
            counts.byStatus[record.status, default: 0] += 1
        }
    }

    /// Counts one injected fault of `kind` (`latency`, `status_503`, `drop`, `stall`, …).
    func recordFault(_ kind: String) {
        counts.withLock { $0.faults[kind, default: 0] += 1 }
    }

    /// Forgets every request and fault counted so far.
    public func reset() { counts.withLock { $0 = Counts() } }

    /// How many finished requests got `status`.
    public func requests(withStatus status: Int) -> Int { counts.withLock { $0.byStatus[status] ?? 0 } }

    /// How many finished requests went to `route` (such as `GET /v1/responses/{response_id}`), any status.
    public func requests(route: String) -> Int { counts.withLock { $0.byRoute[route]?.values.reduce(0, +) ?? 0 } }

    /// How many faults of `kind` (`stream_drop`, `stream_cut`, …) were injected.
    public func faults(_ kind: String) -> Int { counts.withLock { $0.faults[kind] ?? 0 } }

    var json: JSONValue {
        counts.withLock { counts in
            func statusObject(_ statuses: [Int: Int]) -> JSONValue {
                .object(JSONObject(statuses.sorted { $0.key < $1.key }.map { (String($0.key), .int(Int64($0.value))) }))
            }
            let routes = counts.byRoute.sorted { $0.key < $1.key }.map { ($0.key, statusObject($0.value)) }
            let faults = counts.faults.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int(Int64($0.value))) }
            return [
                "total": .int(Int64(counts.total)), "by_status": statusObject(counts.byStatus),
                "by_route": .object(JSONObject(routes)), "faults_injected": .object(JSONObject(faults)),
            ]
        }
    }
}

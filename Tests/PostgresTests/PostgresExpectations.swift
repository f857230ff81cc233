import EventLoop
import Postgres
import Testing

/// Expects `body` to throw a `PostgresError` with `code`; returns it.
@discardableResult
func expectPostgresError(
    _ code: PostgresError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> PostgresError? {
    do {
        try await body()
        Issue.record("expected PostgresError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        #expect(error.code == code, "\(error.debugDescription)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected PostgresError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Seconds since `start` (a `EventLoop.monotonicNanoseconds` reading).
func seconds(since start: UInt64) -> Double {
    Double(EventLoop.monotonicNanoseconds - start) / 1e9
}

import HTTP1
import HTTPRouting
import JSON

extension APIError.Code {
    /// The `Idempotency-Key` was used before with a different request.
    static let idempotencyKeyReused = APIError.Code("idempotency_key_reused")
    /// The request first sent with this key is still running.
    static let idempotencyKeyInUse = APIError.Code("idempotency_key_in_use")
}

/// `Idempotency-Key` on POSTs: the first request with a key runs and its answer is stored;
/// the same key with the same request replays that answer (waiting for it while the first is
/// still running) without touching the upstream again; with a different request it is a
/// 422. Keys are per user and expire (`idempotencyLifetime`).
///
/// Answers of 5xx, 409 and 429 are not stored (the key is released so a retry runs again). Event-stream
/// answers are not stored either: the key guards against a concurrent duplicate while the
/// stream runs, and is released when it ends.
struct IdempotencyMiddleware: Middleware {
    let store: IdempotencyStore
    /// How long a duplicate waits for the original to finish before a 409.
    let inFlightWait: Duration

    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
        // Requests without a key pass through this small frame; the keyed path has its own.
        guard request.method == .post, let key = request.headers["idempotency-key"] else { return try await next(request) }
        return try await handle(request, key: key, next: next)
    }

    @inline(never)
    private func handle(_ request: RoutedRequest, key: String, next: RouteHandler) async throws -> HTTPResponse {
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.badRequest(
                code: .invalidParameter, message: "Invalid Idempotency-Key: expected 1 to 255 visible ASCII characters.",
                param: "Idempotency-Key")
        }
        let subject = try request.caller.subject
        let fingerprint = Self.fingerprint(request)
        let deadline = ContinuousClock.now + inFlightWait
        var pause = Duration.milliseconds(50)
        while true {
            switch try await store.begin(subject: subject, key: key, fingerprint: fingerprint) {
            case .started:
                return try await runFirst(request, next: next, subject: subject, key: key)
            case .completed(let stored, let status, let body):
                guard stored == fingerprint else { throw Self.reused }
                var headers = HTTPHeaders()
                headers.add(name: "idempotent-replayed", value: "true")
                if status == 202, let location = (try? JSONValue(parsing: body))?["wait_url"]?.stringValue {
                    headers.add(name: "location", value: location)
                }
                return .json(bytes: body, status: HTTPStatus(status), headers: headers)
            case .inFlight(let stored):
                guard stored == fingerprint else { throw Self.reused }
                guard ContinuousClock.now + pause < deadline else {
                    throw APIError.conflict(
                        code: .idempotencyKeyInUse, message: "A request with this Idempotency-Key is still being processed; retry later.")
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(500))
            }
        }
    }

    private func runFirst(_ request: RoutedRequest, next: RouteHandler, subject: String, key: String) async throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await next(request)
        } catch {
            await settleKey(subject: subject, key: key, after: error)
            throw error
        }
        return await settleKey(subject: subject, key: key, for: response)
    }

    /// Stores `response` under the key, or releases the key; a later response is stored once it is known.
    private func settleKey(subject: String, key: String, for response: HTTPResponse) async -> HTTPResponse {
        switch response.body {
        case .bytes(let body) where Self.isStored(response.status.rawValue):
            await record { try await $0.complete(subject: subject, key: key, status: response.status.rawValue, body: body) }
            return response
        case .bytes:
            await record { try await $0.abandon(subject: subject, key: key) }
            return response
        case .stream(let write):
            let store = self.store
            var streamed = response
            streamed.body = .stream { writer in
                defer { Task { try? await store.abandon(subject: subject, key: key) } }
                try await write(writer)
            }
            return streamed
        case .later:
            var later = response
            later.whenKnown { outcome in
                switch outcome {
                case .success(let known):
                    return .success(await settleKey(subject: subject, key: key, for: known))
                case .failure(let error):
                    await settleKey(subject: subject, key: key, after: error)
                    return outcome
                }
            }
            return later
        }
    }

    /// Stores the public answer to `error` under the key, or releases the key.
    private func settleKey(subject: String, key: String, after error: any Error) async {
        let apiError = (error as? APIErrorConvertible)?.apiError
        if let apiError, Self.isStored(apiError.status.rawValue), !Task.isCancelled {
            await record { try await $0.complete(subject: subject, key: key, status: apiError.status.rawValue, body: apiError.body.serialized()) }
        } else {
            await record { try await $0.abandon(subject: subject, key: key) }
        }
    }

    /// Writes the key's outcome even when the request's task was cancelled (its client went
    /// away): the write runs in a task of its own, so the key is never left `in_flight`.
    private func record(_ write: @escaping @Sendable (IdempotencyStore) async throws -> Void) async {
        let store = self.store
        await Task { try? await write(store) }.value
    }

    /// Answers a retry should get again: not 5xx, and not the transient 409 (busy thread) and
    /// 429 (rate limited), after which the same request may well succeed.
    static func isStored(_ status: Int) -> Bool {
        status < 500 && status != 409 && status != 429
    }

    static let reused = APIError.unprocessable(
        code: .idempotencyKeyReused, message: "This Idempotency-Key was already used with a different request.")

    /// Method, target and body, hashed (FNV-1a, 64 bits) with the body's length.
    static func fingerprint(_ request: RoutedRequest) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
        }
        mix(request.method.rawValue.utf8)
        mix([0x20])
        mix(request.request.target.utf8)
        mix([0x0A])
        mix(request.body)
        return String(hash, radix: 16) + "-" + String(request.body.count)
    }
}

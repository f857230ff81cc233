public import HTTPRouting
public import Postgres
public import UpstreamAPI
import EventLoop
import HTTP1
import JSON

/// The upstream dialects a deployment can reach, looked up per call (the app hands out the
/// instance that belongs to the caller's loop).
public struct UpstreamDialects: Sendable {
    private let lookup: @Sendable (DialectKind) -> (any UpstreamDialect)?

    public init(_ lookup: @escaping @Sendable (DialectKind) -> (any UpstreamDialect)?) {
        self.lookup = lookup
    }

    /// The dialect of `kind`; 503 when this deployment has no upstream of that kind configured.
    func dialect(_ kind: DialectKind) throws(APIError) -> any UpstreamDialect {
        guard let dialect = lookup(kind) else {
            throw APIError(
                status: .serviceUnavailable, type: .server, code: APIError.Code("upstream_not_configured"),
                message: "The gateway has no upstream configured for this thread's API (\(kind.rawValue)).")
        }
        return dialect
    }
}

/// The gateway's API: the frontend's `/v1` (threads, messages, runs, assistants) and the
/// admin's `/admin/v1`, over PostgreSQL and an upstream dialect.
///
/// ```swift
/// let gateway = Gateway(database: { pools.current }, dialects: dialects, authenticator: verifier,
///                       configuration: GatewayConfiguration(defaultAssistantID: "asst_default"))
/// gateway.register(on: routes)
/// ```
public final class Gateway: Sendable {
    let dialects: UpstreamDialects
    let configuration: GatewayConfiguration
    let authenticator: any CallerAuthenticator
    let users: UserDirectory
    let threads: ThreadStore
    let runs: RunStore
    let userStore: UserStore
    let assistantCatalog: AssistantCatalog
    let turns: ThreadTurns
    let idempotency: IdempotencyStore
    let migrations: ThreadMigrationStore
    /// Moves Assistants threads to Responses conversations (`POST /admin/v1/threads/{id}/migrate`).
    let migrator: ThreadMigrator
    let drain = DrainSignal()
    /// The deadlines of waits (one sleeping task for all of them).
    let alarms = AlarmClock()
    /// Upstream streams asks may hold at once (`AskSettings.maxStreams`).
    let streams: SlotBudget
    /// Upstream polls asks may have in flight at once (`AskSettings.maxPolls`).
    let polls: SlotBudget

    public init(
        database: @escaping @Sendable () throws(APIError) -> PostgresPool, dialects: UpstreamDialects, authenticator: any CallerAuthenticator,
        configuration: GatewayConfiguration
    ) {
        self.dialects = dialects
        self.configuration = configuration
        self.authenticator = authenticator
        users = UserDirectory(database: database, lastSeenInterval: configuration.lastSeenInterval)
        threads = ThreadStore(database: database)
        runs = RunStore(database: database)
        userStore = UserStore(database: database)
        assistantCatalog = AssistantCatalog(lifetime: configuration.assistantCacheLifetime)
        turns = ThreadTurns(database: database)
        idempotency = IdempotencyStore(database: database, lifetime: configuration.idempotencyLifetime)
        migrations = ThreadMigrationStore(database: database)
        migrator = ThreadMigrator(database: database, dialects: dialects)
        streams = SlotBudget(limit: configuration.ask.maxStreams, inUse: { AskMetrics.streaming })
        polls = SlotBudget(
            limit: configuration.ask.maxPolls, inUse: { AskMetrics.pollsInFlight }, onWait: { AskMetrics.pollsDeferred.increment() })
    }

    /// Shutdown has begun: waiting asks answer 202 now, new ones do not wait.
    public func beginDraining() {
        drain.begin()
    }

    /// Registers every frontend and admin route.
    public func register(on routes: RouterBuilder) {
        let idempotent = IdempotencyMiddleware(store: idempotency, inFlightWait: configuration.ask.maximumWait)
        let frontend = routes.group(
            "/v1", middleware: [AuthenticationMiddleware(authenticator: authenticator, users: users, requireAdmin: false), idempotent])
        registerThreadRoutes(on: frontend)
        registerMessageRoutes(on: frontend)
        registerRunRoutes(on: frontend)
        registerAskRoutes(on: frontend)
        frontend.get("/assistants") { request in try await self.listSelectableAssistants(request) }

        let admin = routes.group(
            "/admin/v1", middleware: [AuthenticationMiddleware(authenticator: authenticator, users: users, requireAdmin: true), idempotent])
        registerAdminRoutes(on: admin)
    }

    // MARK: Shared steps

    /// The caller's thread named by the `thread_id` path parameter; 404 for unknown, deleted
    /// and other users' threads alike.
    func ownedThread(_ request: RoutedRequest) async throws -> ThreadRecord {
        let id = try request.requireParameter("thread_id")
        guard let thread = try await threads.find(id, owner: request.caller.subject) else {
            throw Self.threadNotFound(id)
        }
        return thread
    }

    static func threadNotFound(_ id: String) -> APIError {
        .notFound(message: "No thread found with id '\(id)'.")
    }

    func context(_ request: RoutedRequest) -> UpstreamCallContext {
        UpstreamCallContext(requestID: request.requestID)
    }

    /// Runs an upstream call for `thread`, mapping its failure with the thread's ids swapped.
    func upstream<T>(
        _ thread: ThreadRecord, _ call: (any UpstreamDialect) async throws(UpstreamAPIError) -> T
    ) async throws -> T {
        let dialect = try dialects.dialect(thread.dialect)
        do {
            return try await call(dialect)
        } catch {
            if error.isRunActive { throw Self.threadBusy(thread, activeRunID: error.activeRunID) }
            throw error.apiError(replacing: [(thread.upstreamThreadID, thread.id)])
        }
    }

    /// An upstream object of `thread` as the frontend sees it: threadgate's thread id, and
    /// 404 when the upstream object claims another thread.
    func present(_ object: JSONObject, of thread: ThreadRecord, kind: String) throws(APIError) -> JSONObject {
        var object = object
        if let threadID = object["thread_id"]?.stringValue {
            guard threadID == thread.upstreamThreadID else {
                throw .notFound(message: "No \(kind) found with id '\(object["id"]?.stringValue ?? "")'.")
            }
            object["thread_id"] = .string(thread.id)
        }
        return object
    }

    /// A list page with each item presented for `thread`.
    func present(_ page: UpstreamPage, of thread: ThreadRecord, kind: String) throws(APIError) -> HTTPResponse {
        var items: [JSONObject] = []
        items.reserveCapacity(page.data.count)
        for item in page.data { items.append(try present(item, of: thread, kind: kind)) }
        return .json(.object(page.envelope(items)))
    }

    /// `limit` (1–100, default 20), `order` (`asc`/`desc`, default `desc`), `after`, `before`.
    static func pageRequest(_ request: RoutedRequest) throws(APIError) -> PageRequest {
        PageRequest(
            limit: try request.intQuery("limit", range: 1...100, default: 20),
            order: try request.stringQuery("order", oneOf: ["asc", "desc"], default: "desc"),
            after: try nonEmptyQuery(request, "after"), before: try nonEmptyQuery(request, "before"))
    }

    static func nonEmptyQuery(_ request: RoutedRequest, _ name: String) throws(APIError) -> String? {
        guard let value = request.query[name] else { return nil }
        guard !value.isEmpty else { throw .invalidParameter(name, message: "Invalid '\(name)': expected a non-empty id.") }
        return value
    }

    /// Refuses a body naming a field the route does not know, as the upstream does.
    static func rejectUnknownFields(_ body: JSONObject, allowed: Set<String>) throws(APIError) {
        for key in body.keys where !allowed.contains(key) {
            throw .invalidParameter(key, message: "Unrecognized request argument supplied: \(key)")
        }
    }

    /// The JSON object body, `{}` when the body is empty.
    static func objectBody(_ request: RoutedRequest) throws(APIError) -> JSONObject {
        if request.body.isEmpty { return [:] }
        return try request.decodeJSONObject()
    }
}

import EventLoop
@testable import Postgres
import Testing

/// The per-query machinery, with no server: parameter buffers, the statement cache, and when a
/// call may skip pushing its loop as executor preference.
@Suite struct QueryPathTests {
    func strings(_ values: UnsafePointer<UnsafePointer<CChar>?>, _ count: Int) -> [String?] {
        (0..<count).map { values[$0].map { String(cString: $0) } }
    }

    func text(_ name: [CChar]) -> String {
        String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func parameterBufferHoldsEveryValueAsACString() throws {
        let buffer = ParameterBuffer()
        let first: [PostgresValue] = [
            42.postgresValue, .null(.int8), "".postgresValue, "héllo 🌍".postgresValue, true.postgresValue,
        ]
        let values = try #require(buffer.load(first))
        #expect(strings(values, first.count) == ["42", nil, "", "héllo 🌍", "t"])

        // Reused: more values than it first had room for, then long ones, then short ones again.
        let many = (0..<40).map { $0.postgresValue }
        #expect(strings(try #require(buffer.load(many)), many.count) == (0..<40).map { String($0) })
        let long = String(repeating: "x", count: 200_000)
        let large = [long.postgresValue, String?.none.postgresValue, "tail".postgresValue]
        #expect(strings(try #require(buffer.load(large)), 3) == [long, nil, "tail"])
        #expect(strings(try #require(buffer.load(["a".postgresValue])), 1) == ["a"])
        #expect(buffer.load([]) != nil)
    }

    @Test func parameterBufferRefusesNULBytes() {
        let buffer = ParameterBuffer()
        #expect(buffer.load(["ok".postgresValue, "a\u{0}b".postgresValue]) == nil)
        #expect(buffer.load(["ok".postgresValue]) != nil)
    }

    @Test func statementCacheKeysOnSQLAndParameterTypes() {
        var cache = StatementCache()
        let sql = StatementCache.Key.text("SELECT $1")
        #expect(cache.lookUp(sql, [1.postgresValue]) == nil)
        let asInt = StatementCache.Statement(types: [PostgresDataType.int8.rawValue], name: cache.newName())
        cache.insert(asInt, for: sql)
        let asText = StatementCache.Statement(types: [PostgresDataType.text.rawValue], name: cache.newName())
        cache.insert(asText, for: sql)
        #expect(cache.count == 2)
        #expect(cache.lookUp(sql, [7.postgresValue])?.name == asInt.name)
        #expect(cache.lookUp(sql, [String?.none.postgresValue])?.name == asText.name)  // a typed NULL
        #expect(cache.lookUp(sql, []) == nil)
        #expect(cache.lookUp(.text("SELECT $1 "), [7.postgresValue]) == nil)
        #expect(text(asInt.name) == "tg_0" && text(asText.name) == "tg_1")

        cache.remove(sql, types: asInt.types)
        #expect(cache.lookUp(sql, [7.postgresValue]) == nil)
        #expect(cache.lookUp(sql, ["x".postgresValue]) != nil)
        cache.removeAll()
        #expect(cache.count == 0 && cache.lookUp(sql, ["x".postgresValue]) == nil)
        #expect(text(cache.newName()) == "tg_2")  // names are never reused on a session
        for _ in 0..<StatementCache.limit {
            cache.insert(StatementCache.Statement(types: [], name: cache.newName()), for: .text("SELECT 1"))
        }
        #expect(cache.isFull)
    }

    static func literalQuery(_ value: Int) -> PostgresQuery {
        PostgresQuery("SELECT $1::int8", value)
    }

    @Test func queriesFromOneLiteralShareAKeyAndCompareByText() {
        let a = Self.literalQuery(1)
        let b = Self.literalQuery(2)
        #expect(a.statementKey == b.statementKey)
        guard case .literal = a.statementKey else {
            Issue.record("a literal's key is its address")
            return
        }
        let assembled = PostgresQuery(unsafeSQL: "SELECT $1::int8", bindings: [1.postgresValue])
        #expect(assembled.statementKey == .text("SELECT $1::int8"))
        #expect(assembled.sql == a.sql)
        // Equality and hashing go by the text, however the SQL was given.
        #expect(assembled == a && assembled.hashValue == a.hashValue)
        #expect(a != b)
        var bound = PostgresQuery("SELECT $1::int8")
        bound.bind(1)
        #expect(bound == a)
    }

    /// An actor that runs on the loop without giving its callers' tasks the loop as preference.
    private actor OnLoop {
        let loop: EventLoop
        init(loop: EventLoop) { self.loop = loop }
        nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
        func check() -> (inLoop: Bool, runsTask: Bool) { (loop.inLoop, loop.runsCurrentTask) }
    }

    @Test func onlyATaskThatPrefersTheLoopSkipsThePreference() async throws {
        let loop = try EventLoop.start(name: "preference-test")
        #expect(!loop.runsCurrentTask)  // not on the loop
        let preferring = await Task(executorPreference: loop) { loop.runsCurrentTask }.value
        #expect(preferring)
        let nested = await Task(executorPreference: loop) {
            await withTaskExecutorPreference(loop) { loop.runsCurrentTask }
        }.value
        #expect(nested)
        // On the loop's thread through an actor, but the task would resume elsewhere.
        let (inLoop, runsTask) = await OnLoop(loop: loop).check()
        #expect(inLoop && !runsTask)
        let other = try EventLoop.start(name: "preference-other")
        let onOther = await Task(executorPreference: other) { loop.runsCurrentTask }.value
        #expect(!onOther)
        EventLoop.shutdownAndJoin([loop, other])
    }
}

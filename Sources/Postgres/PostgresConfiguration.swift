internal import CPQ
import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// Where and how to connect: any libpq connection string (`DATABASE_URL`).
///
/// Accepts a URI (`postgresql://user@db.internal:5432/app?sslmode=require`), key=value conninfo
/// (`host=/run/postgresql dbname=app`), or the empty string (everything from the `PG*`
/// environment variables and libpq's defaults). TLS is libpq's: `sslmode`, `sslrootcert`, … pass
/// through unchanged.
///
/// ```swift
/// let configuration = try PostgresConfiguration(environment["DATABASE_URL"] ?? "")
/// ```
public struct PostgresConfiguration: Sendable {
    /// The explicit keyword/value pairs, in libpq's order. libpq adds `PG*` variables and defaults.
    private(set) var parameters: [(keyword: String, value: String)]
    /// How long a connection attempt may take, all hosts included.
    public var connectTimeout: Duration = .seconds(10)

    /// Parses `connectionString` with libpq's own parser.
    /// - Throws: `PostgresError` `.invalidConfiguration` with libpq's message.
    public init(_ connectionString: String) throws(PostgresError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(.invalidConfiguration, message: message.trimmingTrailingNewlines)
        }
        defer { PQconninfoFree(options) }
        var parameters: [(keyword: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parameters.append((String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        self.parameters = parameters
    }

    /// The value of a keyword given explicitly (not from the environment).
    public func value(for keyword: String) -> String? {
        parameters.last { $0.keyword == keyword }?.value
    }

    /// Sets (or replaces) one libpq keyword, such as `dbname` or `application_name`.
    public mutating func set(_ keyword: String, _ value: String) {
        parameters.removeAll { $0.keyword == keyword }
        parameters.append((keyword, value))
    }

    /// A copy that connects to database `name` instead.
    public func database(_ name: String) -> PostgresConfiguration {
        var copy = self
        copy.set("dbname", name)
        return copy
    }

    /// The parameters as passed to `PQconnectStartParams`: host names resolved (off the loop
    /// thread) into `hostaddr`, UTF-8 and ISO dates forced.
    func connectParameters() async throws(PostgresError) -> [(keyword: String, value: String)] {
        var result = parameters
        result.removeAll { $0.keyword == "client_encoding" }
        result.append(("client_encoding", "UTF8"))
        let options = [value(for: "options"), "-c DateStyle=ISO,YMD"].compactMap { $0 }.joined(separator: " ")
        result.removeAll { $0.keyword == "options" }
        result.append(("options", options))

        let hostaddr = value(for: "hostaddr") ?? environment("PGHOSTADDR")
        guard hostaddr?.isEmpty ?? true, let hostList = value(for: "host") ?? environment("PGHOST") else {
            return result  // addresses given, or no host at all (the default unix socket)
        }
        let hosts = hostList.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard hosts.contains(where: Self.needsResolution) else { return result }
        // libpq's PQconnectStart would call getaddrinfo on the loop thread: resolve here
        // instead, on a blocking thread, and hand libpq the addresses (host stays for TLS).
        let resolved = await BlockingThread.value { hosts.map { Self.needsResolution($0) ? Self.resolve($0) : "" } }
        for (host, address) in zip(hosts, resolved) where Self.needsResolution(host) && address == nil {
            throw PostgresError(.connectionFailed, message: "could not resolve host name \"\(host)\"")
        }
        result.removeAll { $0.keyword == "hostaddr" || $0.keyword == "host" }
        result.append(("host", hostList))
        result.append(("hostaddr", resolved.map { $0 ?? "" }.joined(separator: ",")))
        return result
    }

    /// True for a host name that is neither a unix socket directory nor a numeric address.
    static func needsResolution(_ host: String) -> Bool {
        if host.isEmpty || host.hasPrefix("/") || host.hasPrefix("@") { return false }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) != 1 && inet_pton(AF_INET6, host, &v6) != 1
    }

    /// The first address of `host`, numeric. Blocking: call off the loop thread only.
    static func resolve(_ host: String) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0
        else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The explicit settings with the password hidden, for logs.
    public var redactedDescription: String {
        parameters.map { "\($0.keyword)=\($0.keyword == "password" ? "***" : $0.value)" }.joined(separator: " ")
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var copy = self
        while copy.last?.isNewline == true { copy.removeLast() }
        return copy
    }
}

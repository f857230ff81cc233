import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A private nginx serving HTTPS with HTTP/2 on loopback, with a fresh self-signed
/// certificate for `localhost` and 127.0.0.1. Its access log records each request's
/// connection serial number, protocol and times, so tests can count connections, see HTTP/2
/// and see which requests were in progress together.
/// (Plain POSIX, no Foundation: the sanitizer runs stay free of its reports.)
///
/// - `/hello`: 200 `hello`.
/// - `/slow`: 200 `slow` after 200 ms (nginx's echo module).
final class NginxTLS: @unchecked Sendable {  // immutable after init; the process is only signalled
    let directory: String
    let port: Int
    private let pid: pid_t

    /// The certificate to trust (`caBundlePath`).
    var certificatePath: String { directory + "/cert.pem" }

    private static let nginx = "/usr/sbin/nginx"
    private static let openssl = "/usr/bin/openssl"
    private static let echoModule = "/usr/lib/nginx/modules/ngx_http_echo_module.so"

    /// True when nginx, openssl and nginx's echo module are installed.
    static var isAvailable: Bool {
        [nginx, openssl, echoModule].allSatisfy { (path: String) in access(path, R_OK) == 0 }
    }

    init() throws {
        var template = Array("/tmp/nginx-tls-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw NginxError(message: "mkdtemp failed") }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let status = try Self.spawn(Self.openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ]).wait()
        guard status == 0 else { throw NginxError(message: "openssl exited with \(status)") }
        port = closedPort()
        let path = directory
        try Self.write("""
            load_module \(Self.echoModule);
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log warn;
            events { worker_connections 64; }
            http {
                log_format conn '$connection $server_protocol $request_uri $msec $request_time';
                access_log \(path)/access.log conn;
                client_body_temp_path \(path)/body;
                proxy_temp_path \(path)/proxy;
                fastcgi_temp_path \(path)/fastcgi;
                uwsgi_temp_path \(path)/uwsgi;
                scgi_temp_path \(path)/scgi;
                server {
                    listen 127.0.0.1:\(port) ssl http2;
                    ssl_certificate \(path)/cert.pem;
                    ssl_certificate_key \(path)/key.pem;
                    location = /hello { default_type text/plain; return 200 "hello"; }
                    location = /slow { default_type text/plain; echo_sleep 0.2; echo -n "slow"; }
                }
            }
            """, to: path + "/nginx.conf")
        pid = try Self.spawn(Self.nginx, ["-p", path, "-c", path + "/nginx.conf", "-e", path + "/error.log"]).pid
        try waitUntilListening()
    }

    private func waitUntilListening() throws {
        for _ in 0..<300 {
            if Self.accepts(port: port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            usleep(10_000)
        }
        let log = Self.read(directory + "/error.log")
        stop()
        throw NginxError(message: "nginx did not start: \(log)")
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// One request in the access log; times in milliseconds of the wall clock.
    struct Request {
        var connection: String
        var `protocol`: String
        var uri: String
        var startMillis: Int
        var endMillis: Int
    }

    /// The access log, one entry per request, in the order nginx finished them.
    func accessLog() -> [Request] {
        /// nginx prints both times with exactly three decimals ("1732312345.123", "0.201").
        func millis(_ seconds: Substring) -> Int? { Int(seconds.filter { $0 != "." }) }
        return Self.read(directory + "/access.log").split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 5, let end = millis(parts[3]), let duration = millis(parts[4]) else { return nil }
            return Request(
                connection: String(parts[0]), protocol: String(parts[1]), uri: String(parts[2]),
                startMillis: end - duration, endMillis: end)
        }
    }

    /// Kills nginx (it was started with an empty signal mask, but SIGKILL needs no handler)
    /// and removes its directory.
    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        _ = try? Self.spawn("/bin/rm", ["-rf", directory]).wait()
    }

    // MARK: POSIX helpers

    private struct Child {
        let pid: pid_t
        func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            return (status >> 8) & 0xFF
        }
    }

    /// Starts `executable` with `arguments`, output discarded and no signal blocked.
    private static func spawn(_ executable: String, _ arguments: [String]) throws -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw NginxError(message: "posix_spawn \(executable) failed: \(status)") }
        return Child(pid: pid)
    }

    private static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw NginxError(message: "cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }

    private static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            result += buffer[0..<count]
        }
        return String(decoding: result, as: UTF8.self)
    }
}

struct NginxError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

import Testing
import TestSupport
@testable import ThreadgateApp

#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn, waiting off the loops, exit statuses and output files.
@Suite struct ChildProcessTests {
    @Test func exitStatusesAndSignals() async throws {
        #expect(try await ChildProcess.run("/bin/sh", ["-c", "exit 0"]) == .exited(0))
        #expect(try await ChildProcess.run("/bin/sh", ["-c", "exit 3"]) == .exited(3))
        #expect(try await ChildProcess.run("/bin/sh", ["-c", "kill -TERM $$"]) == .signalled(SIGTERM))
    }

    @Test func outputGoesToTheFileAndEnvironmentIsPassed() async throws {
        let path = "/tmp/tg-child-\(randomName(""))"
        defer { unlink(path) }
        let status = try await ChildProcess.run(
            "/bin/sh", ["-c", "echo out $GREETING; echo err >&2"], outputFile: path, environment: ["GREETING=hello"])
        #expect(status == .exited(0))
        #expect(DevCluster.tail(of: path).contains("out hello"))
        #expect(DevCluster.tail(of: path).contains("err"))
    }

    @Test func aMissingExecutableIsAnError() {
        #expect(throws: ChildProcess.SpawnError.self) { try ChildProcess.spawn("/nonexistent/tool", []) }
    }

    @Test func quotingForLibpqAndPostgresqlConf() {
        #expect(DevCluster.quoted("/tmp/it's") == #"'/tmp/it\'s'"#)
        #expect(DevCluster.configQuoted("/tmp/it's") == "'/tmp/it''s'")
    }
}

import ArgumentParser

/// `threadgate-bench`: load generators for `bench/`, measuring threadgate's own clients.
///
/// ```sh
/// threadgate-bench upstream-get --url http://127.0.0.1:8090/v1/assistants/asst_default \
///     --concurrency 16 --duration 10 --header 'Authorization: Bearer sk-bench'
/// ```
@main
struct ThreadgateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threadgate-bench",
        abstract: "Load generators for threadgate's benchmarks (bench/).",
        subcommands: [UpstreamGet.self])
}

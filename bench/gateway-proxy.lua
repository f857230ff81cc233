-- wrk script for bench/gateway-proxy.sh: sends the bearer token from the environment and
-- prints one machine-readable line with the run's totals and latency percentiles.
--
--   BENCH_AUTH='Bearer TOKEN' wrk -t2 -c16 -d5s -s bench/gateway-proxy.lua URL
--
-- Output (last line, microseconds):
--   RESULT requests=N duration_us=N req_s=F p50_us=N p90_us=N p99_us=N max_us=N mean_us=F
--          connect=N read=N write=N timeout=N status=N
-- `status` counts responses other than 2xx/3xx; the other error fields are wrk's socket errors.

local auth = os.getenv("BENCH_AUTH")
if auth == nil or auth == "" then
    io.stderr:write("gateway-proxy.lua: BENCH_AUTH is not set\n")
    os.exit(2)
end
wrk.headers["Authorization"] = auth
wrk.headers["OpenAI-Beta"] = "assistants=v2"

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d duration_us=%d req_s=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f " ..
        "connect=%d read=%d write=%d timeout=%d status=%d\n",
        summary.requests, summary.duration, summary.requests / seconds,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
        e.connect, e.read, e.write, e.timeout, e.status))
end

#!/usr/bin/env bash
# One indexed PostgreSQL lookup per HTTP request through threadgate, next to pgbench -S.
#
#   bench/db-lookup.sh                  # about 1 minute after the release build
#   DURATION=30 CONNS=128 bench/db-lookup.sh
#
# Builds threadgate in release mode; starts (or reuses) the throwaway cluster of
# scripts/pg-test-cluster.sh (unix socket only); makes a fresh database tg_bench_lookup with
# pgbench's tables at scale 1 (`pgbench -i -s 1`: pgbench_accounts, 100000 rows, primary key
# on aid) and threadgate's migrations. Then, one after the other on the same database:
#
#   threadgate  `threadgate serve --workers WORKERS` with THREADGATE_BENCH_ROUTES=1, which adds
#               the bench-only route GET /_bench/account/{aid} (SELECT abalance FROM
#               pgbench_accounts WHERE aid = $1, a prepared statement on the worker's pooled
#               connection); load from `wrk -t2 -cCONNS --latency` with a random aid per
#               request (a small Lua script); server CPU from /proc.
#   pgbench     `pgbench -n -S -M prepared -c CONNS -j 2 -T DURATION` (the same SELECT by aid,
#               prepared, CONNS client connections); p99 from its per-transaction log (-l).
#
# Prints requests/s, p50 and p99 for both and the ratios threadgate/pgbench. Raw outputs go to
# bench/out/. Environment: DURATION (seconds, default 10), WARMUP (default 2), CONNS (default
# 64), WORKERS (default 2), BENCH_POOL_MAX (DB_POOL_MAX per worker, default 10),
# THREADGATE_BIN (skip the build and use that binary).
#
# Everything runs on loopback and unix sockets, every run is bounded by `timeout`, and every
# process started here is stopped by its pid on exit; the cluster is stopped only if this
# script started it. wrk, threadgate, pgbench and PostgreSQL share the machine's cores, so
# compare the two rows of one run, not absolute figures.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
conns="${CONNS:-64}"
workers="${WORKERS:-2}"
pool_max="${BENCH_POOL_MAX:-10}"
for n in "$duration" "$warmup" "$conns" "$workers" "$pool_max"; do
    if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
        echo "db-lookup: DURATION, WARMUP, CONNS, WORKERS and BENCH_POOL_MAX take positive integers (got '$n')" >&2
        exit 2
    fi
done

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
for tool in wrk curl python3 psql pgbench; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "db-lookup: $tool missing, running scripts/install-deps.sh"
        bash scripts/install-deps.sh
        break
    fi
done

tmp=$(mktemp -d)
chmod 755 "$tmp"   # pgbench may run as another user than the files' owner; keep it readable
server_pid=""
started_cluster=0

stop_pid() {
    # TERM, wait up to 10 s, then KILL; the pid is one this script started.
    local pid=$1 _
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    if [ -n "$server_pid" ]; then stop_pid "$server_pid"; fi
    if [ "$started_cluster" = 1 ]; then scripts/pg-test-cluster.sh stop || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# --- build and database -----------------------------------------------------------------

bin="${THREADGATE_BIN:-}"
if [ -z "$bin" ]; then
    echo "db-lookup: building threadgate (release)"
    swift build -c release --product threadgate
    bin="$(swift build -c release --show-bin-path)/threadgate"
fi

if admin_env=$(scripts/pg-test-cluster.sh env 2>/dev/null); then
    echo "db-lookup: using the running test cluster"
else
    echo "db-lookup: starting a throwaway cluster (scripts/pg-test-cluster.sh)"
    admin_env=$(scripts/pg-test-cluster.sh start)
    started_cluster=1
fi
eval "$admin_env"   # TEST_DATABASE_URL=postgresql:///postgres?host=DIR&port=P&user=U
read -r pg_host pg_port pg_user < <(python3 - "$TEST_DATABASE_URL" <<'PY'
import sys, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query)
print(q["host"][0], q.get("port", ["5432"])[0], q.get("user", ["postgres"])[0])
PY
)
database=tg_bench_lookup
admin_url="host=$pg_host port=$pg_port user=$pg_user dbname=postgres"
bench_url="host=$pg_host port=$pg_port user=$pg_user dbname=$database"

echo "db-lookup: creating $database (pgbench -i -s 1: 100000 accounts) and applying migrations"
psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
timeout 300 pgbench -i -s 1 -q "$bench_url" >"$tmp/pgbench-init.log" 2>&1 \
    || { cat "$tmp/pgbench-init.log" >&2; exit 1; }
DATABASE_URL="$bench_url" MIGRATIONS_DIR="$repo_root/migrations" timeout 60 "$bin" migrate >/dev/null

out_dir="$repo_root/bench/out"
mkdir -p "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)

# --- threadgate ---------------------------------------------------------------------------

cat >"$tmp/lookup.lua" <<'LUA'
-- A random account per request; each wrk thread seeds its own generator.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end
function init(args)
    math.randomseed(os.time() * 1000 + id)
end
function request()
    return wrk.format("GET", "/_bench/account/" .. math.random(1, 100000))
end
LUA

port=$(free_port)
server_log="$out_dir/db-lookup-$stamp.server.log"
DATABASE_URL="$bench_url" MIGRATIONS_DIR="$repo_root/migrations" THREADGATE_BENCH_ROUTES=1 \
    DB_POOL_MIN=1 DB_POOL_MAX="$pool_max" LOG_LEVEL=warning \
    "$bin" serve --host 127.0.0.1 --port "$port" --workers "$workers" >"$server_log" 2>&1 </dev/null &
server_pid=$!
echo "db-lookup: threadgate serve --workers $workers (DB_POOL_MAX=$pool_max per worker) on 127.0.0.1:$port"
deadline=$((SECONDS + 30))
until [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" 2>/dev/null)" = 200 ]; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$server_pid" 2>/dev/null; then
        echo "db-lookup: threadgate did not become ready; log: ${server_log#"$repo_root"/}" >&2
        tail -n 5 "$server_log" >&2 || true
        exit 1
    fi
    sleep 0.2
done
sample=$(curl -s --max-time 2 "http://127.0.0.1:$port/_bench/account/1")
echo "db-lookup: GET /_bench/account/1 -> $sample"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
url="http://127.0.0.1:$port"
timeout $((warmup + 15)) wrk -t2 -c"$conns" -d"${warmup}s" --timeout 5s -s "$tmp/lookup.lua" "$url" >/dev/null 2>&1 || true
ticks0=$(cpu_ticks)
wrk_out="$out_dir/db-lookup-$stamp.wrk.txt"
timeout $((duration + 30)) wrk -t2 -c"$conns" -d"${duration}s" --timeout 5s --latency -s "$tmp/lookup.lua" "$url" \
    >"$wrk_out" 2>&1 || true
ticks1=$(cpu_ticks)
stop_pid "$server_pid"
server_pid=""

# --- pgbench -S on the same database --------------------------------------------------------

echo "db-lookup: pgbench -n -S -M prepared -c $conns -j 2 -T $duration"
pgbench_out="$out_dir/db-lookup-$stamp.pgbench.txt"
(cd "$tmp" && timeout $((duration + 60)) pgbench -n -S -M prepared -c "$conns" -j 2 -T "$duration" \
    -l --log-prefix=pgb "$bench_url") >"$pgbench_out" 2>&1 || { cat "$pgbench_out" >&2; exit 1; }

# --- report -------------------------------------------------------------------------------

python3 - "$wrk_out" "$pgbench_out" "$tmp" "$((ticks1 - ticks0))" "$(getconf CLK_TCK)" "$conns" "$duration" <<'PY'
import glob, os, re, sys

wrk_path, pgbench_path, tmp, ticks, clk, conns, duration = sys.argv[1:8]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}

def ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

text = open(wrk_path).read()
requests = int(re.search(r"^\s*(\d+) requests in", text, re.M).group(1))
tg_rps = float(re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M).group(1))
tg_p50 = ms(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1))
tg_p99 = ms(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1))
errors = 0
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if sock:
    errors += sum(int(x) for x in sock.groups())
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if non2xx:
    errors += int(non2xx.group(1))
cpu_us = int(ticks) / int(clk) * 1e6 / requests if requests else float("nan")

out = open(pgbench_path).read()
pg_tps = float(re.search(r"^tps = ([0-9.]+)", out, re.M).group(1))
pg_failed = re.search(r"number of failed transactions: (\d+)", out)
latencies = []
for path in glob.glob(os.path.join(tmp, "pgb.*")):
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3:
                latencies.append(int(fields[2]))   # µs per transaction
latencies.sort()
def pct(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] / 1000 if latencies else float("nan")
pg_p50, pg_p99 = pct(0.50), pct(0.99)

print()
print(f"db-lookup: one primary-key lookup in pgbench_accounts (100000 rows), {conns} connections, {duration} s each")
print(f"{'client':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
print(f"{'threadgate GET /_bench/account/{aid}':<34}{tg_rps:>10.0f}{tg_p50:>9.2f}{tg_p99:>9.2f}{errors:>8}"
      f"   (server CPU {cpu_us:.1f} µs/req)")
print(f"{'pgbench -S -M prepared':<34}{pg_tps:>10.0f}{pg_p50:>9.2f}{pg_p99:>9.2f}"
      f"{(pg_failed.group(1) if pg_failed else '0'):>8}")
print(f"threadgate/pgbench: throughput {tg_rps / pg_tps:.2f}, p99 {tg_p99 / pg_p99:.2f}")
PY
echo
echo "db-lookup: raw outputs in ${out_dir#"$repo_root"/}/db-lookup-$stamp.*"
psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true

#!/usr/bin/env bash
# What one request of bench/db-lookup.sh costs the server, in numbers that do not depend on
# how busy the machine is: user-space instructions (valgrind's callgrind) and system calls
# (perf's syscall tracepoints, which unlike strace do not slow the process down).
#
#   bench/db-lookup-cost.sh                       # about 1 minute after the release build
#   THREADGATE_BIN=/tmp/old/threadgate bench/db-lookup-cost.sh
#   ROUTE=/healthz bench/db-lookup-cost.sh        # the HTTP core alone, for reference
#
# Builds threadgate in release mode (or uses THREADGATE_BIN); starts (or reuses) the cluster of
# scripts/pg-test-cluster.sh; makes a fresh database tg_bench_cost (`pgbench -i -s 1` plus the
# migrations). Then twice, each time on a fresh `threadgate serve --workers 1`: a Python client
# sends WARMUP_REQUESTS (800), then REQUESTS (4000) keep-alive requests over CONNS (8)
# connections, GET /_bench/account/{random aid} unless ROUTE is set, and only the second batch
# is counted:
#   1. under `valgrind --tool=callgrind`, counters zeroed and dumped around the batch;
#   2. natively, with `perf stat -e syscalls:sys_enter_*` attached around the batch.
# Prints instructions per request and system calls per request (total and by call).
#
# Needs valgrind and perf (`apt-get install valgrind linux-perf`) and a C compiler. Valgrind
# 3.19 cannot read DWARF 5, so it runs a copy of the binary without debug information; and it
# writes into the mask passed to rt_sigsuspend, which libdispatch keeps in read-only memory, so
# a two-line preload library hands it a copy. Loopback and unix sockets only, every run bounded
# by `timeout`, every process started here stopped by its pid.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD
requests="${REQUESTS:-4000}"
warmup="${WARMUP_REQUESTS:-800}"
conns="${CONNS:-8}"
route="${ROUTE:-}"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
cc=$(command -v cc || command -v clang || true)
for tool in valgrind callgrind_control perf objcopy psql pgbench python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "db-lookup-cost: $tool missing (apt-get install valgrind linux-perf)" >&2; exit 2; }
done
[ -n "$cc" ] || { echo "db-lookup-cost: no C compiler (cc or clang)" >&2; exit 2; }

tmp=$(mktemp -d)
chmod 755 "$tmp"
server_pid=""
started_cluster=0
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    stop_server
    if [ "$started_cluster" = 1 ]; then scripts/pg-test-cluster.sh stop || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bin="${THREADGATE_BIN:-}"
if [ -z "$bin" ]; then
    swift build -c release --product threadgate
    bin="$(swift build -c release --show-bin-path)/threadgate"
fi
objcopy --strip-debug "$bin" "$tmp/threadgate"
cat >"$tmp/sigsuspend.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
int sigsuspend(const sigset_t *set) { sigset_t copy = *set; return (int)syscall(SYS_rt_sigsuspend, &copy, 8); }
C
"$cc" -O2 -shared -fPIC "$tmp/sigsuspend.c" -o "$tmp/sigsuspend.so"

if admin_env=$(scripts/pg-test-cluster.sh env 2>/dev/null); then :; else
    admin_env=$(scripts/pg-test-cluster.sh start)
    started_cluster=1
fi
eval "$admin_env"
read -r pg_host pg_port pg_user < <(python3 - "$TEST_DATABASE_URL" <<'PY'
import sys, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query)
print(q["host"][0], q.get("port", ["5432"])[0], q.get("user", ["postgres"])[0])
PY
)
database=tg_bench_cost
admin_url="host=$pg_host port=$pg_port user=$pg_user dbname=postgres"
url="host=$pg_host port=$pg_port user=$pg_user dbname=$database"
psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database" 2>/dev/null
timeout 300 pgbench -i -s 1 -q "$url" >"$tmp/pgbench-init.log" 2>&1 || { cat "$tmp/pgbench-init.log" >&2; exit 1; }
DATABASE_URL="$url" MIGRATIONS_DIR="$repo_root/migrations" timeout 60 "$bin" migrate >/dev/null

cat >"$tmp/load.py" <<'PY'
import http.client, random, sys, threading
port, total, conns, route = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
failed = []
def worker(i):
    rnd = random.Random(1000 + i)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(total // conns):
        c.request("GET", route or "/_bench/account/%d" % rnd.randint(1, 100000))
        r = c.getresponse(); r.read()
        if r.status != 200: failed.append(r.status)
threads = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
for t in threads: t.start()
for t in threads: t.join()
sys.exit("db-lookup-cost: %d requests failed" % len(failed) if failed else 0)
PY
load() { timeout 900 python3 "$tmp/load.py" "$port" "$1" "$conns" "$route"; }

# start_server PREFIX...: serve --workers 1 on a free port, wrapped in PREFIX; sets port and pid.
start_server() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    DATABASE_URL="$url" THREADGATE_BENCH_ROUTES=1 DB_POOL_MIN=1 DB_POOL_MAX=10 LOG_LEVEL=warning \
        "$@" "$tmp/threadgate" serve --host 127.0.0.1 --port "$port" --workers 1 >"$tmp/server.log" 2>&1 </dev/null &
    server_pid=$!
    for _ in $(seq 1 300); do
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
        [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_bench/account/1")" = 200 ] && return
        sleep 0.5
    done
    echo "db-lookup-cost: the server did not answer" >&2
    exit 1
}

# 1. Instructions.
start_server env LD_PRELOAD="$tmp/sigsuspend.so" valgrind --tool=callgrind --dump-instr=no \
    --callgrind-out-file="$tmp/callgrind.out.%p"
load "$warmup"
callgrind_control -z "$server_pid" >/dev/null
load "$requests"
callgrind_control -d "$server_pid" >/dev/null
instructions=$(awk '/^summary:/ { print $2 }' "$tmp/callgrind.out.$server_pid.1")
stop_server

# 2. System calls.
start_server
load "$warmup"
events=raw_syscalls:sys_enter
for call in read write recvfrom sendto epoll_wait epoll_ctl poll; do events="$events,syscalls:sys_enter_$call"; done
perf stat -x, -e "$events" -p "$server_pid" -o "$tmp/perf.txt" &
perf_pid=$!
sleep 0.5
load "$requests"
kill -INT "$perf_pid"
wait "$perf_pid" 2>/dev/null || true
stop_server

echo
echo "db-lookup-cost: GET ${route:-/_bench/account/{aid\}}, serve --workers 1, $requests requests over $conns connections"
python3 - "$instructions" "$requests" "$tmp/perf.txt" <<'PY'
import sys
instructions, requests = int(sys.argv[1]), int(sys.argv[2])
print(f"instructions/request  {instructions / requests:10.0f}")
for line in open(sys.argv[3]):
    fields = line.strip().split(",")
    if len(fields) > 2 and fields[0].isdigit():
        name = "syscalls/request" if fields[2] == "raw_syscalls:sys_enter" else "  " + fields[2].split("sys_enter_")[-1]
        print(f"{name:<21} {int(fields[0]) / requests:10.2f}")
PY
psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true

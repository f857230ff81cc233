#!/usr/bin/env bash
# threadgate's test command: everything CI runs, in order, with one summary at the end.
#
#   scripts/test.sh
#
# Steps (each announced, timed and logged to .build-logs/<step>.log):
#   deps       scripts/install-deps.sh            Debian packages
#   build      swift build -c debug
#   test       swift test
#   asan       swift test --sanitize=address      (scratch path .build-asan)
#   tsan       swift test --sanitize=thread       (scratch path .build-tsan)
#   fuzz       scripts/fuzz.sh SECONDS            libFuzzer over the request path
#   e2e        scripts/e2e.sh                     black-box checks of the real binary
#
# Environment toggles:
#   SKIP_SANITIZERS=1   skip asan and tsan
#   FUZZ_SECONDS=N      fuzz for N seconds (default 60)
#   QUICK=1             skip asan, tsan and fuzz
#   ASAN_OPTIONS / TSAN_OPTIONS   override the defaults below
#
# Every step runs even after a failure; the exit status is non-zero if any failed.
# The last line is the plain summary CI reads: "test.sh: N passed, M failed"
# (", K skipped" follows when steps were skipped). N and M count steps, not tests.
set -euo pipefail

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
tsan_options="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

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
    # pipefail makes the pipeline's status the command's, not tee's.
    "$@" 2>&1 | tee "$log" || rc=$?
    local end=$EPOCHREALTIME
    local secs
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    step_names+=("$name")
    step_seconds+=("$secs")
    if [ "$rc" -eq 0 ]; then
        step_status+=(pass)
        echo "==> [$name] passed in ${secs}s"
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

run_step build swift build -c debug
run_step test swift test

if [ "$skip_sanitizers" = 1 ]; then
    skip_step asan "SKIP_SANITIZERS or QUICK"
    skip_step tsan "SKIP_SANITIZERS or QUICK"
else
    run_step asan env ASAN_OPTIONS="$asan_options" \
        swift test --sanitize=address --scratch-path .build-asan
    run_step tsan env TSAN_OPTIONS="$tsan_options" \
        swift test --sanitize=thread --scratch-path .build-tsan
fi

if [ "$skip_fuzz" = 1 ]; then
    skip_step fuzz "QUICK"
else
    run_step fuzz bash scripts/fuzz.sh "$fuzz_seconds"
fi

if [ -x scripts/e2e.sh ]; then
    run_step e2e scripts/e2e.sh
else
    skip_step e2e "scripts/e2e.sh missing or not executable"
fi

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

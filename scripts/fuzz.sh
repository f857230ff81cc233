#!/usr/bin/env bash
# Coverage-guided fuzzing of the HTTP request path with libFuzzer.
#
#   scripts/fuzz.sh [SECONDS]        (default 60)
#
# Builds the executable product `threadgate-fuzz-http` (target HTTPFuzz) with
# -DFUZZING, AddressSanitizer and SanitizerCoverage into .build-fuzz/, linking the
# toolchain's libFuzzer without its `main` (HTTPFuzz's top-level code hands
# CommandLine's arguments to LLVMFuzzerRunDriver, so the binary takes libFuzzer flags).
# Plain `-sanitize=fuzzer` does not work under SwiftPM (its renamed executable `main`
# clashes with libFuzzer's), and `-sanitize-coverage=edge` alone gives trace-pc-guard,
# which this libFuzzer rejects: hence the explicit flags below.
#
# Corpus: the committed seeds in fuzz/corpus/ are copied into fuzz/corpus-run/
# (ignored by git), where libFuzzer adds what it finds; the committed seeds stay small.
# FUZZ_FRESH=1 empties fuzz/corpus-run/ first. fuzz/http.dict is used as a dictionary.
#
# Crashes, timeouts, leaks and OOMs are written to fuzz/artifacts/ and make this script
# exit non-zero. Every such file must become a regression test (feed its bytes to the
# parser in Tests/) before the fix lands. Reproduce one with:
#   .build-fuzz/debug/threadgate-fuzz-http fuzz/artifacts/crash-...
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

duration="${1:-60}"
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS]   (SECONDS: a positive integer, got '$duration')" >&2
    exit 2
fi

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

# libFuzzer without main, from the Swift toolchain's own compiler-rt. `swift` resolves to
# <toolchain>/usr/bin/swift-driver; the clang resource directory sits beside it.
swift_real=$(readlink -f "$(command -v swift)")
usr_dir=$(dirname "$(dirname "$swift_real")")
arch=$(uname -m)
fuzzer_lib=""
for candidate in "$usr_dir"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$arch".a \
    "$usr_dir"/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$arch".a; do
    if [ -f "$candidate" ]; then
        fuzzer_lib=$candidate
        break
    fi
done
if [ -z "$fuzzer_lib" ]; then
    echo "fuzz: libclang_rt.fuzzer_no_main-$arch.a not found under $usr_dir/lib/clang/*/lib/linux/" >&2
    exit 1
fi

scratch=.build-fuzz
build_flags=(
    -c debug --scratch-path "$scratch"
    -Xswiftc -DFUZZING
    -Xswiftc -sanitize=address
    -Xswiftc "-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp"
    -Xlinker "$fuzzer_lib"
    -Xlinker -lstdc++
)

echo "fuzz: building threadgate-fuzz-http (libFuzzer: $fuzzer_lib)"
swift build "${build_flags[@]}" --product threadgate-fuzz-http
bin_dir=$(swift build "${build_flags[@]}" --show-bin-path)
fuzz_bin="$bin_dir/threadgate-fuzz-http"
if [ ! -x "$fuzz_bin" ]; then
    echo "fuzz: $fuzz_bin was not built" >&2
    exit 1
fi

seeds=fuzz/corpus
work_corpus=fuzz/corpus-run
artifacts=fuzz/artifacts
if [ "${FUZZ_FRESH:-0}" = 1 ]; then
    rm -rf "$work_corpus"
fi
mkdir -p "$work_corpus" "$artifacts"
if [ -d "$seeds" ]; then
    # Committed seeds overwrite their copies; inputs libFuzzer found earlier stay.
    cp -f "$seeds"/* "$work_corpus"/ 2>/dev/null || true
fi

fuzz_args=(
    -max_total_time="$duration"
    -max_len=8192
    -rss_limit_mb=4096
    -timeout=10
    -print_final_stats=1
    -artifact_prefix="$artifacts/"
)
if [ -f fuzz/http.dict ]; then
    fuzz_args+=(-dict=fuzz/http.dict)
fi

# Artifacts already present before this run (from earlier runs) are not this run's findings.
before=$(find "$artifacts" -maxdepth 1 -type f | sort)

log_dir="$repo_root/.build-logs"
mkdir -p "$log_dir"
run_log="$log_dir/fuzz-run.log"

# libFuzzer and ASan report crashes themselves. Swift's backtracer must stay off: under
# ASan, a Swift trap makes its memory server trip a bogus ASan report and leaves an
# orphaned swift-backtrace that hangs forever (holding this script's output pipe).
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

echo "fuzz: running for ${duration}s: ${fuzz_bin#"$repo_root"/} ${fuzz_args[*]} $work_corpus"
rc=0
"$fuzz_bin" "${fuzz_args[@]}" "$work_corpus" 2>&1 | tee "$run_log" || rc=$?

after=$(find "$artifacts" -maxdepth 1 -type f | sort)
new_artifacts=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d')

if [ -n "$new_artifacts" ] || [ "$rc" -ne 0 ]; then
    echo
    echo "fuzz: FAILED (fuzzer exit $rc)."
    if [ -n "$new_artifacts" ]; then
        echo "fuzz: new artifacts:"
        while IFS= read -r f; do echo "    $f"; done <<<"$new_artifacts"
        echo "fuzz: turn each into a regression test in Tests/ (feed its bytes to the request"
        echo "      parser and assert a clean 4xx or a correct parse), then fix the bug."
        echo "fuzz: reproduce with: ${fuzz_bin#"$repo_root"/} <artifact>"
    fi
    exit 1
fi

# A driver built without -DFUZZING is a no-op that exits 0 at once: make sure libFuzzer
# really ran.
if ! grep -Eq '^Done [0-9]+ runs' "$run_log"; then
    echo "fuzz: FAILED: libFuzzer did not report 'Done N runs' (is HTTPFuzz's driver active under -DFUZZING?)" >&2
    exit 1
fi
runs=$(grep -Eo '^Done [0-9]+ runs' "$run_log" | tail -1 | awk '{ print $2 }')
corpus_size=$(find "$work_corpus" -maxdepth 1 -type f | wc -l)
echo "fuzz: ok: $runs runs in ${duration}s, no crash; working corpus has $corpus_size inputs"

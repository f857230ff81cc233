#!/usr/bin/env bash
# Build a deployable threadgate: an optimized binary with the Swift runtime linked in.
#
#   scripts/release-build.sh [OUT_DIR]        # default OUT_DIR: dist/
#
# Runs `swift build -c release --static-swift-stdlib --product threadgate` in its own
# scratch path (.build-release, apart from the debug .build; a second run is incremental),
# then lays out OUT_DIR as
#
#   OUT_DIR/threadgate      the executable
#   OUT_DIR/migrations/     the SQL migrations it applies (`threadgate migrate`, `serve --migrate`)
#
# threadgate finds migrations/ next to its executable by itself (or set MIGRATIONS_DIR; see
# `threadgate migrate --help`), so OUT_DIR can be copied anywhere as a whole.
#
# Last, it prints `ldd OUT_DIR/threadgate` and fails if any Swift runtime library
# (libswift*.so, libFoundation*.so, libdispatch.so, libBlocksRuntime.so, lib_Foundation*.so)
# is still linked dynamically: what remains must be C libraries only — libuv, libpq, libcurl
# and their Debian dependencies — which deploy/runtime-packages.txt installs at run time.
# The Dockerfile's build stage runs exactly this script.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

out_dir="${1:-dist}"
scratch="${RELEASE_SCRATCH_PATH:-$repo_root/.build-release}"

echo "release-build: swift build -c release --static-swift-stdlib --product threadgate (scratch ${scratch#"$repo_root"/})"
swift build -c release --static-swift-stdlib --product threadgate --scratch-path "$scratch"
bin_dir=$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)

mkdir -p "$out_dir"
# Replace, not overwrite in place: a running copy of the old binary keeps its inode.
install -m 0755 "$bin_dir/threadgate" "$out_dir/threadgate.new"
mv -f "$out_dir/threadgate.new" "$out_dir/threadgate"
rm -rf "$out_dir/migrations"
mkdir -p "$out_dir/migrations"
cp migrations/*.sql "$out_dir/migrations/"
[ -f migrations/README.md ] && cp migrations/README.md "$out_dir/migrations/"

echo "release-build: $out_dir/threadgate ($(du -h "$out_dir/threadgate" | cut -f1)), $(find "$out_dir/migrations" -name '*.sql' | wc -l) migration file(s) in $out_dir/migrations"
echo "release-build: ldd $out_dir/threadgate"
ldd_output=$(ldd "$out_dir/threadgate")
printf '%s\n' "$ldd_output" | sed 's/^/    /'

swift_libs=$(printf '%s\n' "$ldd_output" |
    grep -E '^[[:space:]]*(libswift[^ ]*|libFoundation[^ ]*|lib_Foundation[^ ]*|libdispatch|libBlocksRuntime)\.so' || true)
if [ -n "$swift_libs" ]; then
    echo "release-build: FAIL: the Swift runtime is linked dynamically:" >&2
    printf '%s\n' "$swift_libs" | sed 's/^/    /' >&2
    exit 1
fi
if printf '%s\n' "$ldd_output" | grep -q 'not found'; then
    echo "release-build: FAIL: ldd reports missing libraries" >&2
    exit 1
fi
echo "release-build: ok: no Swift runtime library is linked dynamically"
"$out_dir/threadgate" --version | sed 's/^/release-build: version /'

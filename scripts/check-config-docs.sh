#!/usr/bin/env bash
# Checks README.md's configuration reference against the code.
#
#   scripts/check-config-docs.sh
#
# Collects every environment variable the Swift sources read — `environment["NAME"]`,
# `ProcessEnvironment.current["NAME"]`, `environment("NAME")` and `getenv("NAME")`, comment
# lines excluded — and every `NAME` in the first column of the table under README.md's
# "## Configuration reference" heading. Fails (exit 1), naming each one, when a variable is
# read but not documented, or documented but never read. Prints the list when they match.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 - <<'PY'
import pathlib, re, sys

read = {}
pattern = re.compile(r'(?:\benvironment|\bcurrent|\bgetenv)\s*[\[(]\s*"([A-Z][A-Z0-9_]*)"')
for path in sorted(pathlib.Path("Sources").rglob("*.swift")):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for name in pattern.findall(line):
            read.setdefault(name, f"{path}:{number}")

documented = set()
in_section = False
for line in pathlib.Path("README.md").read_text(encoding="utf-8").splitlines():
    if line.startswith("## "):
        in_section = line.strip() == "## Configuration reference"
        continue
    if in_section and line.startswith("|"):
        cells = line.strip().strip("|").split("|")
        documented.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]))

if not documented:
    print("check-config-docs: README.md has no '## Configuration reference' table", file=sys.stderr)
    sys.exit(1)
missing = sorted(set(read) - documented)
stale = sorted(documented - set(read))
for name in missing:
    print(f"check-config-docs: {name} is read at {read[name]} but missing from README.md's configuration reference")
for name in stale:
    print(f"check-config-docs: {name} is in README.md's configuration reference but no source reads it")
if missing or stale:
    sys.exit(1)
print(f"check-config-docs: README.md documents all {len(read)} environment variables the sources read: {' '.join(sorted(read))}")
PY

#!/bin/sh
# Install the Debian packages named in a list file, the way an image should:
#
#   deploy/apt-install.sh deploy/runtime-packages.txt
#   deploy/apt-install.sh --print deploy/runtime-packages.txt   # only list the names, one a line
#
# One package a line, `#` starts a comment. No recommended packages; apt's lists are removed
# afterwards so they stay out of the image layer. Used by deploy/Dockerfile (both stages);
# POSIX sh, since the slim runtime image has no bash guarantees worth relying on.
set -eu
print_only=0
if [ "${1:-}" = --print ]; then
    print_only=1
    shift
fi
list=${1:?usage: apt-install.sh [--print] PACKAGE_LIST_FILE}
packages=$(sed -e 's/#.*//' "$list" | tr -s ' \t' '\n\n' | sed '/^$/d')
[ -n "$packages" ] || { echo "apt-install: $list names no package" >&2; exit 1; }
if [ "$print_only" = 1 ]; then
    printf '%s\n' "$packages"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086  # one word per package is the point
apt-get install -y -qq --no-install-recommends $packages
apt-get clean
rm -rf /var/lib/apt/lists/*
echo "apt-install: installed $(echo $packages)"

#!/bin/sh
# Assembles the peak-memory launcher (src/platform/peak-launcher/x86_64.S) and prints its bytes
# as base64 on one line: the value of PEAK_LAUNCHER_X86_64 in src/platform/peak-launcher-x86_64.ts.
# Needs GNU as and objcopy for x86_64 (binutils); tests/unit/peak-launcher.test.ts compares.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
as --64 -o "$work/launcher.o" "$here/src/platform/peak-launcher/x86_64.S"
objcopy -O binary -j .text "$work/launcher.o" "$work/launcher"
base64 -w 0 "$work/launcher"
echo

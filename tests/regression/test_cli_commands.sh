#!/usr/bin/env bash
# The README's other commands, as a user types them: --version and --help of
# every command, `trabecula devices`, `trabecula bench` (a small size), and
# `trabecula phantom ... && trabecula morph ...`.
set -euo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAILED: $*"; exit 1; }

# Outputs go to files first: grep -q closing a pipe early would make the
# writer die of SIGPIPE under pipefail.
"$exe" --version > version.txt || fail "--version exited $?"
grep -q "^trabecula [0-9]" version.txt || fail "--version"
for c in run phantom morph devices bench; do
  "$exe" "$c" --help > help.txt || fail "$c --help exited $?"
  grep -qi "usage" help.txt || fail "$c --help prints no usage"
done
"$exe" run --help > run-help.txt || fail "run --help exited $?"
grep -q "resorption_speed_um_per_day" run-help.txt || fail "run --help lacks the parameter table"

"$exe" devices > devices.txt || fail "devices exited $?"
grep -q "global MiB" devices.txt || fail "devices lists no memory"

"$exe" bench --size 24 --steps 2 > bench.txt 2> bench.err || { cat bench.err; fail "bench exited $?"; }
for k in osteoclast_recruit osteoclast_resorb osteoblast_form osteocyte_update diffusion_sweep "copy kernel"; do
  grep -q "$k" bench.txt || fail "bench output lacks $k"
done
grep -q "GB/s" bench.txt || fail "bench prints no bandwidth"

"$exe" phantom --size 64 -o p64.nrrd > phantom.txt && "$exe" morph p64.nrrd > morph.txt || fail "phantom && morph"
grep -q "Conn.D" morph.txt || fail "morph table lacks Conn.D"
echo "cli commands ok"

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
for k in osteoclast formation osteocyte marrow immune mineral signals "copy kernel" "copy equivalents per step" "per launch of an empty kernel"; do
  grep -q "$k" bench.txt || fail "bench output lacks $k"
done
grep -q "GB/s" bench.txt || fail "bench prints no bandwidth"
"$exe" bench --size 24 --steps 2 --kernels > bench-k.txt 2> bench.err || { cat bench.err; fail "bench --kernels exited $?"; }
for k in osteoclast_recruit osteocyte_update mg_restrict_fine; do
  grep -q "^$k " bench-k.txt || fail "bench --kernels lacks $k"
done
# The JSON form has the figures scripts read (the issue's list), and they add up.
"$exe" bench --size 24 --steps 2 --format json > bench.json 2> bench.err || { cat bench.err; fail "bench --format json exited $?"; }
/usr/bin/python3 - <<'PY' || fail "bench --format json"
import json
b = json.load(open("bench.json"))
for k in ["device", "voxels", "copy_gbps", "seconds_per_step", "copy_equivalents_per_step", "device_bytes_per_voxel",
          "processes", "grid", "launch_seconds", "launches_per_step"]:
    assert k in b, k
# An empty launch costs more than nothing and far less than a step of 24^3;
# the step's launches are those of its processes.
assert 0 < b["launch_seconds"] < b["seconds_per_step"], (b["launch_seconds"], b["seconds_per_step"])
assert abs(b["launches_per_step"] - sum(p["launches_per_step"] for p in b["processes"])) <= 1e-6 * b["launches_per_step"]
assert b["voxels"] == 24 ** 3 and b["grid"] == [24, 24, 24]
names = [p["name"] for p in b["processes"]]
assert names == ["treatment", "denosumab", "teriparatide", "romosozumab", "bisphosphonate", "immune", "osteoclast",
                 "formation", "lining", "osteocyte", "marrow", "mineral", "signals"], names
ce = b["seconds_per_step"] / b["copy_equivalent_seconds"]
assert abs(ce - b["copy_equivalents_per_step"]) <= 1e-3 * ce, (ce, b["copy_equivalents_per_step"])
assert sum(p["seconds_per_step"] for p in b["processes"]) <= 1.0001 * b["seconds_per_step"]
assert 20 < b["device_bytes_per_voxel"] < 400, b["device_bytes_per_voxel"]
PY

"$exe" phantom --size 64 -o p64.nrrd > phantom.txt && "$exe" morph p64.nrrd > morph.txt || fail "phantom && morph"
grep -q "Conn.D" morph.txt || fail "morph table lacks Conn.D"
echo "cli commands ok"

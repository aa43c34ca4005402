#!/usr/bin/env bash
# The repository's tools that runs do not call:
#  - tools/write_scenario.py regenerates every scenario file from the
#    parameter table byte for byte (so the committed files are what the
#    table says, with every parameter, and a changed table shows here);
#  - tools/calibrate states its procedure in --help and refuses a missing
#    binary with exit 2 (a full fit takes ~15 minutes: not run in the suite).
set -euo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$src"/data/scenarios/*.ini "$work/"
/usr/bin/python3 "$src/tools/write_scenario.py" "$work"/*.ini
for f in "$src"/data/scenarios/*.ini; do
  cmp "$f" "$work/$(basename "$f")" || { echo "tools/write_scenario.py changes $(basename "$f"):"; diff "$f" "$work/$(basename "$f")" | head; exit 1; }
done
/usr/bin/python3 "$src/tools/calibrate" --help | grep -q "Charatcharoenwitthaya" || { echo "calibrate --help lacks its targets"; exit 1; }
set +e
/usr/bin/python3 "$src/tools/calibrate" --trabecula "$work/none" 2> "$work/err.txt"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "not an executable" "$work/err.txt" || { echo "calibrate without a binary: rc $rc"; cat "$work/err.txt"; exit 1; }

#!/usr/bin/env bash
# Bad input to `trabecula run` gets one clear message naming the file or key
# and what was expected, exit code 2, and no output directory.
set -uo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0

# expect_bad "description" "pattern the message must contain" args...
expect_bad() {
  local what="$1" pattern="$2"; shift 2
  "$exe" run -o out --no-progress "$@" > stdout.txt 2> stderr.txt
  local rc=$?
  if [ "$rc" != 2 ]; then echo "FAIL $what: exit $rc, expected 2"; cat stderr.txt; fail=1; return; fi
  if ! grep -q -- "$pattern" stderr.txt; then echo "FAIL $what: message lacks '$pattern':"; cat stderr.txt; fail=1; return; fi
  if [ -e out ] || ls out.partial-* >/dev/null 2>&1; then echo "FAIL $what: an output directory was created"; fail=1; return; fi
  echo "ok   $what: $(head -n 1 stderr.txt)"
}

# A small valid NRRD header to corrupt in various ways.
nrrd() { printf 'NRRD0004\ntype: %s\ndimension: 3\nsizes: %s\nspacings: 20 20 20\nencoding: raw\nendian: little\n\n' "$1" "$2"; }

expect_bad "missing input file" "nope.nrrd" --input nope.nrrd
{ nrrd uint8 "8 8 8"; head -c 100 /dev/zero; } > truncated.nrrd
expect_bad "truncated data" "truncated.nrrd" --input truncated.nrrd
{ nrrd uint8 "8 8 8"; head -c 1000 /dev/zero; } > toolong.nrrd
expect_bad "header contradicts data size" "toolong.nrrd" --input toolong.nrrd
{ nrrd complex "8 8 8"; head -c 512 /dev/zero; } > badtype.nrrd
expect_bad "unsupported type" "badtype.nrrd" --input badtype.nrrd
{ nrrd uint8 "8 0 8"; } > zero.nrrd
expect_bad "dimension of zero" "zero.nrrd" --input zero.nrrd
{ printf 'NRRD0004\ntype: uint8\ndimension: 3\nsizes: 8 8 8\nencoding: raw\n\n'; head -c 512 /dev/zero; } > nospacing.nrrd
expect_bad "no voxel size" "spacing" --input nospacing.nrrd
expect_bad "NaN parameter" "osteoclast.resorption_speed_um_per_day" --set osteoclast.resorption_speed_um_per_day=nan
expect_bad "out-of-range parameter" "expected 0.01 to 50" --set osteoclast.resorption_speed_um_per_day=1000
expect_bad "unknown --set key" "valid keys" --set osteoclast.speed=1
printf '[osteoblast]\nmar_um_per_day = 0.6\nwall_um = 3\n' > bad.ini
expect_bad "unknown scenario key" "bad.ini:3" bad.ini
grep -q "valid keys: reversal_period_days, mar_um_per_day" stderr.txt || { echo "FAIL unknown key does not list the valid keys"; fail=1; }
printf '[bones]\nx = 1\n' > badsec.ini
expect_bad "unknown scenario section" "valid sections" badsec.ini
expect_bad "missing scenario file" "missing.ini" missing.ini
{ printf 'NRRD0004\ntype: uint8\ndimension: 3\nsizes: 8 8 8\nspacings: 2 2 2\nencoding: raw\n\n'; head -c 256 /dev/zero; head -c 256 /dev/zero | tr '\0' '\377'; } > fine.nrrd
expect_bad "time step too long for the voxel" "run.dt_days" --set run.dt_days=10 --input fine.nrrd
expect_bad "unknown option" "--frobnicate" --frobnicate
expect_bad "bad number" "--years" --years abc
exit $fail

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
# [treatment.N] courses: each error names the section (and line) and what was expected.
printf '[treatment.1]\ndrug = aspirin\nstart_day = 0\ndose_mg = 1\n' > t_drug.ini
expect_bad "unknown drug" "t_drug.ini:2: \[treatment.1\] drug = 'aspirin' is not a known drug; expected one of" t_drug.ini
printf '[treatment.2]\ndrug = denosumab\nstart_day = 400\nstop_day = 100\ndose_mg = 60\n' > t_stop.ini
expect_bad "stop before start" "\[treatment.2\] (denosumab): stop_day = 100 is not after start_day = 400" t_stop.ini
printf '[treatment.1]\ndrug = zoledronate\nstart_day = 0\ndose_mg = -5\n' > t_neg.ini
expect_bad "negative dose" "t_neg.ini:4: \[treatment.1\] dose_mg = -5: expected a dose above 0 mg" t_neg.ini
printf '[treatment.1]\ndrug = alendronate\nstart_day = 0\n' > t_nodose.ini
expect_bad "missing dose" "\[treatment.1\] (alendronate) has no dose_mg" t_nodose.ini
printf '[treatment.1]\nstart_day = 0\ndose_mg = 60\n' > t_nodrug.ini
expect_bad "missing drug" "\[treatment.1\] has no drug" t_nodrug.ini
printf '[treatment.1]\ndrug = denosumab\ndose_mg = 60\n' > t_nostart.ini
expect_bad "missing start" "has no start_day" t_nostart.ini
printf '[treatment.0]\ndrug = denosumab\nstart_day = 0\ndose_mg = 60\n' > t_num.ini
expect_bad "bad section number" "expected \[treatment.N\] with N a whole number from 1 to 16" t_num.ini
printf '[treatment.1]\ndrug = denosumab\nstart_day = 0\ndose_mg = 60\ndoze_mg = 60\n' > t_key.ini
expect_bad "unknown treatment key" "unknown key 'doze_mg' in \[treatment.1\]; valid keys: drug, start_day" t_key.ini
printf '[treatment.1]\ndrug = denosumab\nstart_day = 0\ndose_mg = 60\ndose_mg = 30\n' > t_dup.ini
expect_bad "repeated treatment key" "dose_mg is given again (first on line 4)" t_dup.ini
printf '[treatment.1]\ndrug = denosumab\nstart_day = 0\ndose_mg = 60\ninterval_days = 0\n' > t_cont.ini
expect_bad "continuous denosumab" "continuous" t_cont.ini
expect_bad "--set treatment dose" "--set: \[treatment.1\] dose_mg = 'abc': expected a number in mg" --set treatment.1.dose_mg=abc
exit $fail

#!/bin/bash
# trabecula compare on two synthetic run folders (every morphometry.csv column,
# the immune ones included, one NaN and one absent column): the report renders
# in headless Chromium, every image loads, the table has the seed's seven
# rows and every measured direction agrees with the seed's; the script runs
# on its own; bad input is one message, exit 2 and nothing written.
# usage: test_compare_report.sh TRABECULA_EXE SOURCE_DIR
set -u
exe=$1
src=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
. "$src/tests/regression/compare_lib.sh"
compare_need_tools

"$py" "$src/tests/regression/compare_fixtures.py" "$tmp/runs" || fail "fixtures exited $?"
h="$tmp/runs/healthy"
p="$tmp/runs/postmenopausal"

"$exe" compare --help > "$tmp/help" || fail "--help exited $?"
grep -q -- "-o, --output DIR" "$tmp/help" || fail "--help does not describe -o"
"$exe" --help | grep -q "compare" || fail "trabecula --help does not list compare"

# A report folder that exists and is empty is fine.
mkdir "$tmp/report"
"$exe" compare "$h" "$p" -o "$tmp/report" > "$tmp/out" 2>&1 || fail "compare exited $?: $(cat "$tmp/out")"
[ -s "$tmp/report/index.html" ] || fail "no index.html"
ls -d "$tmp"/report.partial-* > /dev/null 2>&1 && fail "a partial folder was left behind"
grep -q "7 features" "$tmp/out" || fail "unexpected output: $(cat "$tmp/out")"
render_dom "$tmp/report" "$tmp/dom.html"
"$py" "$src/tests/regression/check_report_dom.py" "$tmp/dom.html" "$tmp/report" --synthetic || exit 1

# The slices are at the same times: one table row per time, all runs' images.
n=$(ls "$tmp/report/slices" | wc -l)
[ "$n" -eq 8 ] || fail "expected 4 slice times x 2 runs, got $n files"

# The script on its own, with labels and three runs, into a new folder.
"$py" "$src/tools/compare_report.py" "$h" "$p" "$p" --labels "healthy,PM,PM again" -o "$tmp/alone" > "$tmp/out" 2>&1 ||
  fail "compare_report.py exited $?: $(cat "$tmp/out")"
grep -q "PM again" "$tmp/alone/index.html" || fail "labels not used"
ls -d "$tmp"/alone.partial-* > /dev/null 2>&1 && fail "the script left a partial folder"

# The healthy run given second: the report says so; given first, it does not.
grep -q "reference-warning" "$tmp/report/index.html" && fail "warning about the reference with the healthy run first"
"$exe" compare "$p" "$h" -o "$tmp/swapped" > "$tmp/out" 2>&1 || fail "swapped compare exited $?: $(cat "$tmp/out")"
grep -q "id='reference-warning'" "$tmp/swapped/index.html" || fail "no warning with the postmenopausal run first"

# Bad input: one message naming the file, exit 2, nothing written.
expect_bad() {  # expect_bad WORDS... -- ARGS...
  local words=()
  while [ "$1" != "--" ]; do words+=("$1"); shift; done
  shift
  "$exe" compare "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "compare $* exited $rc, expected 2: $(cat "$tmp/err")"
  for w in "${words[@]}"; do grep -q -- "$w" "$tmp/err" || fail "compare $*: message lacks '$w': $(cat "$tmp/err")"; done
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "compare $*: expected one message, got: $(cat "$tmp/err")"
  [ -e "$tmp/bad" ] && fail "compare $*: wrote $tmp/bad"
  ls -d "$tmp"/bad.partial-* > /dev/null 2>&1 && fail "compare $*: left a partial folder"
  return 0
}
mkdir "$tmp/nosummary" && cp "$h/morphometry.csv" "$tmp/nosummary/"
expect_bad nosummary summary.json -- "$h" "$tmp/nosummary" -o "$tmp/bad"
expect_bad missing "expected a trabecula run" -- "$h" "$tmp/missing" -o "$tmp/bad"
expect_bad "at least two" -- "$h" -o "$tmp/bad"
expect_bad "no report folder" -- "$h" "$p"
expect_bad "not empty" -- "$h" "$p" -o "$tmp/report"
expect_bad "unknown option" -- "$h" "$p" -o "$tmp/bad" --frobnicate
mkdir "$tmp/notime" && printf 'time,bv_tv\n0,0.2\n' > "$tmp/notime/morphometry.csv" && cp "$h/summary.json" "$tmp/notime/"
expect_bad "notime/morphometry.csv" time_days -- "$h" "$tmp/notime" -o "$tmp/bad"
mkdir "$tmp/badjson" && cp "$h/morphometry.csv" "$tmp/badjson/" && echo '{"version": ' > "$tmp/badjson/summary.json"
expect_bad "badjson/summary.json" JSON -- "$h" "$tmp/badjson" -o "$tmp/bad"
expect_bad "3 labels for 2 runs" -- "$h" "$p" -o "$tmp/bad" --labels a,b,c
echo "ok: report, chromium checks, script alone, bad input"

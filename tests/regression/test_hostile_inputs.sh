#!/usr/bin/env bash
# Every input that once broke a build (tests/data/repro/: the reliability
# pass of issue 9 and every crash the fuzzers found, tests/data/repro/fuzz/)
# goes through the normal readers: exit code 2 and one message naming the
# file; no crash, no hang, no exit 0 with a wrong answer, nothing written.
# Then the special files and command-line mistakes of the same issue.
set -uo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
n=0

# expect2 "description" "text the message must contain" command args...
expect2() {
  local what="$1" pattern="$2"; shift 2
  timeout 120 "$@" > stdout.txt 2> stderr.txt
  local rc=$?
  n=$((n + 1))
  if [ "$rc" != 2 ]; then echo "FAIL $what: exit $rc, expected 2"; tail -n 20 stderr.txt; fail=1; return; fi
  if ! grep -q "trabecula: error: .*$pattern" stderr.txt; then
    echo "FAIL $what: no error naming '$pattern':"; tail -n 20 stderr.txt; fail=1; return
  fi
  if [ -n "$(ls -A | grep -v -e '^stdout.txt$' -e '^stderr.txt$' -e '^keep' -e '^pipe' -e '^zero' -e '^dangling')" ]; then
    echo "FAIL $what: left files behind: $(ls -A)"; fail=1; return
  fi
}

repro="$src/tests/data/repro"
while IFS= read -r -d '' f; do
  name="${f#"$repro"/}"
  case "$f" in
    *.md) continue ;;
    *.ini) expect2 "run $name" "$(basename "$f")" "$exe" run "$f" -o out --no-progress ;;
    *)
      expect2 "morph $name" "$(basename "$f")" "$exe" morph "$f" --no-da --format json
      case "$name" in
        # run reads through the same reader; a few suffice.
        segv1.vtkhdf|oob_read.h5|r_2p34_f.nrrd) expect2 "run --input $name" "$(basename "$f")" \
          "$exe" run --input "$f" -o out --no-progress ;;
      esac ;;
  esac
done < <(find "$repro" -type f -print0 | sort -z)

# Special files are refused before they are read (a pipe used to hang, /dev/zero
# was read until memory ran out).
mkfifo pipe.nrrd
expect2 "named pipe" "pipe.nrrd: the input volume is a named pipe" "$exe" morph pipe.nrrd
ln -s /dev/zero zero.nrrd
expect2 "/dev/zero through a symlink" "zero.nrrd: the input volume is a character device" "$exe" morph zero.nrrd
expect2 "directory as a volume" "is a directory" "$exe" morph "$src/tests"
expect2 "directory as a scenario" "is a directory" "$exe" run "$src/tests" -o out
: > keep-empty.ini
expect2 "empty scenario" "keep-empty.ini: holds no settings" "$exe" run keep-empty.ini -o out
printf '[run]\nyears = 1\n[estrogen]\nloss = 0.5\n[run]\nseed = 2\n' > keep-sections.ini
expect2 "repeated section" "keep-sections.ini:5: section \[run\] appears again" "$exe" run keep-sections.ini -o out

# Command-line mistakes are refused up front.
expect2 "--spacing 1e300" "expected 0.01 to 10000 um" "$exe" run --spacing 1e300 -o out
expect2 "morph --spacing 1e-9" "expected 0.01 to 10000 um" "$exe" morph zero.nrrd --spacing 1e-9
expect2 "-o empty" "-o: the folder name is empty" "$exe" run -o ""
ln -s "$work/nowhere" dangling
expect2 "-o dangling symlink" "dangling: is a symbolic link to nothing" "$exe" run -o dangling
"$exe" phantom --size 32 --spacing 40 --tb-th 120 -o keep.nrrd > /dev/null 2>&1 || { echo "FAIL phantom"; fail=1; }
cp keep.nrrd keep-copy.nrrd
expect2 "phantom -o existing" "keep.nrrd exists" "$exe" phantom --size 32 --spacing 40 --tb-th 120 -o keep.nrrd
cmp -s keep.nrrd keep-copy.nrrd || { echo "FAIL phantom -o replaced an existing file"; fail=1; }
expect2 "morph --thickness-map existing" "keep-copy.nrrd exists" "$exe" morph keep.nrrd --thickness-map keep-copy.nrrd
cmp -s keep.nrrd keep-copy.nrrd || { echo "FAIL morph --thickness-map replaced an existing file"; fail=1; }
expect2 "morph --thickness-map dangling" "dangling is a symbolic link to nothing" "$exe" morph keep.nrrd --thickness-map dangling
expect2 "morph --thickness-map in a missing folder" "does not exist" "$exe" morph keep.nrrd --thickness-map no/map.h5

[ "$fail" = 0 ] && echo "hostile inputs ok: $n cases"
exit $fail

#!/usr/bin/env bash
# Builds the libFuzzer targets (cmake --preset fuzz: clang, ASan, UBSan) and
# runs each for SECONDS (default 60), one after the other.
#
#   tools/fuzz.sh [SECONDS] [TARGET ...]     targets: nrrd mhd h5 tiff aim dicom scenario
#
# Seeds: tests/fuzz/seeds/TARGET/, the inputs of tests/data/repro/ of that
# format, earlier crashes in tests/data/repro/fuzz/TARGET/, and for the
# scenario target data/scenarios/*.ini. The growing corpus is kept in
# build/fuzz/corpus/TARGET/ (not committed). A crash, leak, timeout or
# out-of-memory input is saved in build/fuzz/artifacts/TARGET/ and the script
# exits 1 after running every target; copy the input into
# tests/data/repro/fuzz/TARGET/ once fixed, and test_hostile_inputs reads it
# with the normal reader from then on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

secs="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(nrrd mhd h5 tiff aim dicom scenario)

cmake --preset fuzz > /dev/null
cmake --build --preset fuzz

# Which repro files seed which target.
seeds_of() {
  case "$1" in
    nrrd) find tests/data/repro -maxdepth 1 \( -name '*.nrrd' -o -name '*.nhdr' \) ;;
    mhd) find tests/data/repro -maxdepth 1 \( -name '*.mhd' -o -name '*.mha' \) ;;
    h5) find tests/data/repro -maxdepth 2 -path '*/fuzz' -prune -o \( -name '*.h5' -o -name '*.vtkhdf' \) -print ;;
    tiff) find tests/data/repro -maxdepth 1 \( -name '*.tif' -o -name '*.tiff' \) ;;
    aim) find tests/data/repro -maxdepth 1 -name '*.aim' ;;
    dicom) find tests/data/repro -maxdepth 1 -name '*.dcm' ;;
    scenario) find tests/data/repro -maxdepth 1 -name '*.ini'; find data/scenarios -name '*.ini' ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  exe="build/fuzz/tests/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "tools/fuzz.sh: no target '$t' (expected one of nrrd mhd h5 scenario)" >&2; exit 2; }
  corpus="build/fuzz/corpus/$t"
  artifacts="build/fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  for s in tests/fuzz/seeds/"$t"/* tests/data/repro/fuzz/"$t"/* $(seeds_of "$t"); do
    [ -f "$s" ] && cp -n "$s" "$corpus/" 2>/dev/null || true
  done
  echo "== fuzz_$t: ${secs} s, $(ls "$corpus" | wc -l) inputs in $corpus"
  # close_fd_mask=2: the readers' error messages (one per input) are not
  # printed; libFuzzer's and the sanitizers' reports still are.
  # An allocation over 2 GiB fails (returns NULL) instead of ending the run:
  # inside the HDF5 reader's child process HDF5 itself asks for 17 GB on
  # some files (it then fails cleanly), and in our own code the harness
  # turns the out-of-memory status into a crash, since no small input may
  # make a reader allocate that much.
  if ASAN_OPTIONS="detect_leaks=1:intercept_tls_get_addr=0:allocator_may_return_null=1:max_allocation_size_mb=2048" \
     UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
     "$exe" -max_total_time="$secs" -timeout=20 -rss_limit_mb=3072 -max_len=65536 \
       -close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus"; then
    echo "== fuzz_$t: no crash"
  else
    echo "== fuzz_$t: FAILED; inputs in $artifacts/:"; ls -l "$artifacts"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "tools/fuzz.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "tools/fuzz.sh: ${targets[*]}: no crash in ${secs} s each"

#!/usr/bin/env bash
# A full disk: writing an HDF5 file that does not fit ends with a message
# naming the file, exit code 1 and no temporary file; no crash at exit
# (HDF5 1.10's shutdown used to crash after a failed H5Fclose). Needs root
# and a tmpfs mount; skipped (77) where it cannot mount one.
set -uo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
mnt="$work/small"
mkdir -p "$mnt"
cleanup() { umount "$mnt" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=200k tmpfs "$mnt" 2>/dev/null; then
  echo "skipped: cannot mount a small tmpfs here (needs root)"; exit 77
fi
fail=0
check() {
  local what="$1" rc="$2" pattern="$3"
  if [ "$rc" != 1 ]; then echo "FAIL $what: exit $rc, expected 1"; tail -n 20 "$work/err"; fail=1; fi
  grep -q "trabecula: error: .*$pattern" "$work/err" || { echo "FAIL $what: no message '$pattern'"; tail -n 20 "$work/err"; fail=1; }
  if grep -q -e "Sanitizer" -e "SEGV" "$work/err"; then echo "FAIL $what: crashed"; tail -n 20 "$work/err"; fail=1; fi
  [ -z "$(ls -A "$mnt")" ] || { echo "FAIL $what: left $(ls -A "$mnt")"; fail=1; }
}
"$exe" phantom --size 128 -o "$mnt/p.h5" > /dev/null 2> "$work/err"
check "phantom -o on a full disk" $? "$mnt/p.h5: .*disk full"
"$exe" phantom --size 128 -o "$work/p.nrrd" > /dev/null 2>&1 || { echo "FAIL phantom"; exit 1; }
"$exe" morph "$work/p.nrrd" --no-da --thickness-map "$mnt/map.h5" > /dev/null 2> "$work/err"
check "morph --thickness-map on a full disk" $? "$mnt/map.h5: .*disk full"
[ "$fail" = 0 ] && echo "full disk ok"
exit $fail

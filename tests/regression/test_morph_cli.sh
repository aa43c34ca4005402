#!/bin/bash
# trabecula morph on the shared real sample (a phantom without ../shared): every output format, the
# thickness map, labels with a cortex, and one clear message with exit 2 for
# bad input.
# usage: test_morph_cli.sh TRABECULA_EXE SOURCE_DIR
set -u
exe=$1
src=$2
sample="$src/../shared/data/samples/shrew_4um.nrrd"
shape="115 114 114"; spacing=4.1   # nz ny nx, um
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
if [ ! -f "$sample" ]; then
  # Without ../shared the same checks run on a generated phantom.
  echo "note: $sample absent; using a 64^3 phantom"
  sample="$tmp/phantom.nrrd"
  "$exe" phantom --size 64 -o "$sample" > /dev/null || fail "phantom exited $?"
  shape="64 64 64"; spacing=20
fi

"$exe" morph --help > "$tmp/help" || fail "--help exited $?"
grep -q -- "--thickness-map" "$tmp/help" || fail "--help does not list --thickness-map"
for opt in "--edge E" "--diameter D" "continue (default" "bonej (default"; do
  grep -q -- "$opt" "$tmp/help" || fail "--help does not state '$opt'"
done

"$exe" morph "$sample" --format json --thickness-map "$tmp/map.h5" > "$tmp/out.json" 2>"$tmp/err" ||
  fail "json run exited $?: $(cat "$tmp/err")"
for key in bv_tv bs_mm2 bs_bv_per_mm tb_th_um tb_th_sd_um tb_sp_um tb_sp_sd_um tb_n_per_mm euler \
           conn_d_per_mm3 da da_eigen_ratio; do
  grep -q "\"$key\": [0-9.eE+-]" "$tmp/out.json" || fail "JSON lacks a number for $key"
done
grep -q '"ct_th_um"' "$tmp/out.json" && fail "JSON reports ct_th_um without a cortex"
grep -q '"edge": "continue"' "$tmp/out.json" || fail "JSON lacks the default edge convention"
grep -q '"diameter": "bonej"' "$tmp/out.json" || fail "JSON lacks the default diameter convention"
[ -s "$tmp/map.h5" ] || fail "no thickness map written"

"$exe" morph "$sample" --format csv --no-da > "$tmp/out.csv" || fail "csv run exited $?"
[ "$(wc -l < "$tmp/out.csv")" -eq 2 ] || fail "CSV is not a header and one row"
head -1 "$tmp/out.csv" | grep -q "^tv_mm3,bv_mm3,bv_tv," || fail "CSV header: $(head -1 "$tmp/out.csv")"

"$exe" morph "$sample" --no-da > "$tmp/out.txt" || fail "text run exited $?"
grep -q "Tb.Th (local thickness) .* um" "$tmp/out.txt" || fail "text output lacks Tb.Th with its unit"

if [ -x "$py" ] && "$py" -c "import h5py, json, numpy" 2>/dev/null; then
  # The map holds Tb.Th in um: its mean over bone equals the reported Tb.Th.
  "$py" - "$tmp" <<'PY' || fail "thickness map check"
import sys, json, h5py, numpy as np
d = sys.argv[1]
r = json.load(open(f"{d}/out.json"))
m = h5py.File(f"{d}/map.h5", "r")["volume"][...]
mean = m[m > 0].mean()
print(f"map mean {mean:.3f} um, Tb.Th {r['tb_th_um']:.3f} um")
sys.exit(0 if abs(mean / r["tb_th_um"] - 1) < 1e-3 else 1)
PY
  # Labels with a cortex: the outer 8 voxels of x and y are cortical.
  "$py" - "$tmp" $shape $spacing <<'PY' || fail "writing the labels file"
import sys, h5py, numpy as np
nz, ny, nx, h = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
lab = np.ones((nz, ny, nx), np.uint8)
lab[:, :8, :] = 2; lab[:, -8:, :] = 2; lab[:, :, :8] = 2; lab[:, :, -8:] = 2
with h5py.File(f"{sys.argv[1]}/labels.h5", "w") as f:
    d = f.create_dataset("volume", data=lab)
    d.attrs["spacing_um"] = np.array([h, h, h])
    f.create_dataset("compartment", data=lab)
PY
  "$exe" morph "$sample" --labels "$tmp/labels.h5" --format json --no-da > "$tmp/lab.json" 2>"$tmp/err" ||
    fail "labels run exited $?: $(cat "$tmp/err")"
  grep -q '"ct_th_um": [0-9]' "$tmp/lab.json" || fail "no ct_th_um with a cortex"
  grep -q '"ct_po": [0-9]' "$tmp/lab.json" || fail "no ct_po with a cortex"
fi

# The conventions: BoneJ's closed spheres of 2 EDT read thicker than the
# corrected 2 EDT - 1 (about a voxel on plates); a background edge bounds
# the marrow spheres that the default lets run on past the image edge.
"$exe" morph "$sample" --format json --no-da --diameter corrected --edge background > "$tmp/cb.json" ||
  fail "--diameter corrected --edge background exited $?"
grep -q '"edge": "background"' "$tmp/cb.json" && grep -q '"diameter": "corrected"' "$tmp/cb.json" ||
  fail "JSON does not report the conventions asked for"
"$exe" morph "$sample" --format json --no-da --edge background > "$tmp/bg.json" || fail "--edge background exited $?"
"$exe" morph "$sample" --format json --no-da --diameter corrected > "$tmp/cc.json" || fail "--diameter corrected exited $?"
if [ -x "$py" ]; then
  "$py" - "$tmp" "$spacing" <<'PY' || fail "convention check"
import sys, json
d, h = sys.argv[1], float(sys.argv[2])
a, cc, bg = (json.load(open(f"{d}/{n}.json")) for n in ("out", "cc", "bg"))
print(f"Tb.Th bonej {a['tb_th_um']:.2f} corrected {cc['tb_th_um']:.2f} um; "
      f"Tb.Sp continue {a['tb_sp_um']:.2f} background {bg['tb_sp_um']:.2f} um")
ok = 0.5 * h < a["tb_th_um"] - cc["tb_th_um"] < 2.5 * h
ok &= bg["tb_sp_um"] < a["tb_sp_um"]
ok &= a["bv_tv"] == cc["bv_tv"] and a["euler"] == bg["euler"]
sys.exit(0 if ok else 1)
PY
fi

# Bad input: one message, exit 2.
"$exe" morph "$tmp/none.nrrd" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "missing file gave exit $rc"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "missing file: more than one message: $(cat "$tmp/err")"
echo "this is not a volume" > "$tmp/bad.nrrd"
"$exe" morph "$tmp/bad.nrrd" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "a garbage file gave exit $rc"
"$exe" morph "$sample" --format xml 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "text, csv or json" "$tmp/err" || fail "--format xml gave exit $rc"
"$exe" morph "$sample" --edge mirror 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "continue or background" "$tmp/err" || fail "--edge mirror gave exit $rc"
"$exe" morph "$sample" --diameter 2edt 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "bonej or corrected" "$tmp/err" || fail "--diameter 2edt gave exit $rc"
"$exe" morph "$sample" --spacing -3 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "--spacing -3 gave exit $rc"
"$exe" morph 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "no input gave exit $rc"
echo ok

#!/bin/bash
# trabecula morph (the run's reader) on the scanner and Fiji formats: a 48^3
# phantom written as a multi-page float32 TIFF with ImageJ calibration
# (unit=micron, spacing=), as a folder of single-slice 16-bit TIFFs named out
# of lexicographic order (s2 before s10), as a glob pattern, and as a Scanco
# AIM v020 of short data with a density calibration in its log, thresholded
# in mg HA/cm3; each must give the phantom's own morphometry. A folder with
# one slice of another size exits 2 with one message naming that slice.
# usage: test_morph_readers.sh TRABECULA_EXE SOURCE_DIR
set -u
exe=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
if ! [ -x "$py" ] || ! "$py" -c "import h5py, numpy" 2>/dev/null; then
  echo "skipped: needs python3 with h5py and numpy"
  exit 77
fi

"$exe" phantom --size 48 --spacing 20 --bvtv 0.25 --tb-th 120 -o "$tmp/p.h5" > /dev/null || fail "phantom exited $?"
"$py" - "$tmp" <<'PY' || fail "writing the TIFF files"
import os, struct, sys
import h5py, numpy as np
d = sys.argv[1]
v = h5py.File(f"{d}/p.h5", "r")["volume"][...]  # [nz][ny][nx], bone fraction

def tiff(path, pages, desc=None, xres=None):
    """Little-endian baseline TIFF, one uncompressed strip per page."""
    out = bytearray(b"II*\0\0\0\0\0")
    offs = []
    for p in pages:
        h, w = p.shape
        kind = {np.dtype(np.float32): 3, np.dtype(np.uint16): 1}[p.dtype]
        data = p.astype(p.dtype.newbyteorder("<")).tobytes()
        at = len(out); out += data
        extra = {}
        tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, p.dtype.itemsize * 8), (259, 3, 1, 1),
                (262, 3, 1, 1), (273, 4, 1, at), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, len(data)),
                (339, 3, 1, kind)]
        if desc is not None:
            b = desc.encode() + b"\0"
            extra[270] = b
            tags.append((270, 2, len(b), None))
        if xres is not None:
            num, den = xres
            extra[282] = extra[283] = struct.pack("<II", num, den)
            tags += [(282, 5, 1, None), (283, 5, 1, None), (296, 3, 1, 1)]
        tags.sort()
        if len(out) % 2: out += b"\0"
        blobs = {}
        for t, b in extra.items():
            blobs[t] = len(out); out += b
            if len(out) % 2: out += b"\0"
        ifd = len(out)
        offs.append(ifd)
        out += struct.pack("<H", len(tags))
        for t, typ, n, val in tags:
            if val is None: val = blobs[t]
            if typ == 3 and n == 1: out += struct.pack("<HHIHH", t, typ, n, val, 0)
            else: out += struct.pack("<HHII", t, typ, n, val)
        out += b"\0\0\0\0"
    struct.pack_into("<I", out, 4, offs[0])
    for a, b in zip(offs, offs[1:]):  # chain the directories
        n = struct.unpack_from("<H", out, a)[0]
        struct.pack_into("<I", out, a + 2 + 12 * n, b)
    open(path, "wb").write(out)

nz = v.shape[0]
tiff(f"{d}/stack.tif", [v[z].astype(np.float32) for z in range(nz)],
     desc=f"ImageJ=1.54f\nimages={nz}\nslices={nz}\nunit=micron\nspacing=20\nloop=false\n", xres=(1, 20))
os.makedirs(f"{d}/slices")
for z in range(nz):  # 16-bit, 0 or 1000; s1 .. s48 (s10 sorts before s2 by name)
    tiff(f"{d}/slices/s{z + 1}.tif", [(v[z] > 0.5).astype(np.uint16) * 1000])
# AIM v020 (layout in src/io/aim.c): bone 8192 -> 1603 - 391.2 = 1211.8 mg HA/cm3,
# marrow 0 -> -391.2 mg HA/cm3.
def vax(x):
    i = struct.unpack("<I", struct.pack("<f", 4.0 * x))[0]
    return bytes([(i >> 16) & 255, (i >> 24) & 255, i & 255, (i >> 8) & 255])
log = (b"! \n! Processing Log\n!\nMu_Scaling                     8192\n"
       b"Density: unit                 mg HA/ccm\nDensity: slope                 1.60300e+03\n"
       b"Density: intercept            -3.91209e+02\n")
data = ((v > 0.5).astype("<i2") * 8192).tobytes()
st = bytearray(140)
st[0:4] = vax(1.6)
struct.pack_into("<I", st, 20, 0x00020002)
struct.pack_into("<iii", st, 36, v.shape[2], v.shape[1], v.shape[0])
st[108:120] = vax(0.02) * 3
open(f"{d}/p.aim", "wb").write(struct.pack("<5i", 20, 140, len(log), len(data), 0) + st + log + data)
os.makedirs(f"{d}/mixed")
for z in range(3):
    tiff(f"{d}/mixed/m{z + 1}.tif", [np.zeros((4, 4 if z != 1 else 5), np.uint16)])
PY

"$exe" morph "$tmp/p.h5" --format json --no-da > "$tmp/ref.json" 2>"$tmp/err" || fail "phantom morph exited $?: $(cat "$tmp/err")"
"$exe" morph "$tmp/stack.tif" --format json --no-da > "$tmp/stack.json" 2>"$tmp/err" ||
  fail "multi-page TIFF exited $?: $(cat "$tmp/err")"
"$exe" morph "$tmp/slices" --spacing 20 --threshold 500 --format json --no-da > "$tmp/dir.json" 2>"$tmp/err" ||
  fail "TIFF folder exited $?: $(cat "$tmp/err")"
"$exe" morph "$tmp/slices/s*.tif" --spacing 20 --threshold 500 --format json --no-da > "$tmp/glob.json" 2>"$tmp/err" ||
  fail "TIFF pattern exited $?: $(cat "$tmp/err")"
"$exe" morph "$tmp/p.aim" --threshold 400 --format json --no-da > "$tmp/aim.json" 2>"$tmp/err" ||
  fail "AIM exited $?: $(cat "$tmp/err")"
grep -q "converted to density (mg HA/ccm)" "$tmp/err" || fail "AIM: the log does not say the values are densities"
"$py" - "$tmp" <<'PY' || fail "morphometry differs from the phantom's"
import json, sys
d = sys.argv[1]
ref = json.load(open(f"{d}/ref.json"))
for name in ("stack", "dir", "glob", "aim"):
    r = json.load(open(f"{d}/{name}.json"))
    for k in ("bv_tv", "bs_mm2", "tb_th_um", "tb_sp_um", "euler"):
        if abs(r[k] - ref[k]) > 1e-9 * max(1.0, abs(ref[k])):
            print(f"{name}: {k} = {r[k]}, phantom {ref[k]}"); sys.exit(1)
print(f"BV/TV {ref['bv_tv']:.4f}, Tb.Th {ref['tb_th_um']:.2f} um from the .h5, the multi-page TIFF, the folder, "
      "the pattern and the AIM")
PY
[ $? -eq 0 ] || exit 1

"$exe" morph "$tmp/mixed" --spacing 20 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "a folder with a slice of another size gave exit $rc"
[ "$(grep -c "error:" "$tmp/err")" -eq 1 ] && grep -q "m2.tif" "$tmp/err" ||
  fail "mixed folder: expected one message naming m2.tif: $(cat "$tmp/err")"
"$exe" morph "$tmp/slices" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--spacing" "$tmp/err" || fail "uncalibrated slices without --spacing gave exit $rc"
echo ok

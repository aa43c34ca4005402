#!/usr/bin/env bash
# The README's first command ends in `trabecula run` with no arguments: the
# built-in postmenopausal scenario on the built-in phantom. This runs exactly
# that in an empty folder and checks what a user would look at:
#  - it finishes, writes ./trabecula-out/ with every output, and shows bone loss
#    after menopause with more remodeling events than before;
#  - trabecula.h5 has the layout and attributes (h5py);
#  - ParaView 5.11 opens trabecula.xdmf with the right geometry and time steps
#    (pvpython; skipped when ParaView is not installed);
#  - a second run does not touch the first one's results;
#  - bad input leaves no output directory and exits 2.
set -euo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

"$exe" run --no-progress 2> run.log || { cat run.log; exit 1; }
for f in trabecula.h5 trabecula.xdmf morphometry.csv summary.json previews/snap_000000_xy.png; do
  [ -s "trabecula-out/$f" ] || { echo "missing trabecula-out/$f"; exit 1; }
done
ls trabecula-out.partial-* 2>/dev/null && { echo "a partial folder was left behind"; exit 1; }

/usr/bin/python3 - <<'PY'
import csv, json, math
rows = list(csv.DictReader(open("trabecula-out/morphometry.csv")))
assert len(rows) >= 9, len(rows)
t = [float(r["time_days"]) for r in rows]
bv = [float(r["bv_tv_trabecular"]) for r in rows]
e = [float(r["estrogen"]) for r in rows]
ev = [float(r["events_initiated"]) for r in rows]
before = [ev[i] for i in range(1, len(rows)) if t[i] <= 365.25 + 1]
after = [ev[i] for i in range(1, len(rows)) if t[i] > 365.25 + 183]
assert e[0] == 1.0 and e[-1] < 0.3, e
loss = 1 - bv[-1] / bv[2]
print("trabecular BV/TV %.4f -> %.4f, loss %.1f %% after menopause" % (bv[2], bv[-1], 100 * loss))
assert loss > 0.03, "no visible bone loss after menopause"
print("events per half year before %.0f, after %.0f" % (sum(before) / len(before), sum(after) / len(after)))
assert sum(after) / len(after) > 1.3 * sum(before) / len(before)
for k in ["tb_n_per_mm", "tb_sp_um", "conn_d_per_mm3", "ct_th_um", "marrow_adiposity", "osteocyte_viability"]:
    assert all(math.isfinite(float(r[k])) for r in rows), k
s = json.load(open("trabecula-out/summary.json"))
assert s["mass_balance_relative_error"] < 1e-4
assert s["bv_tv_trabecular_change_pct"] < 0
# The default sample shows microarchitecture: at least 5 mm and five trabecular spacings across.
assert s["grid"] == [128, 128, 128], s["grid"]
assert all(abs(v - 5.12) < 1e-9 for v in s["sample_size_mm"]), s["sample_size_mm"]
r0 = rows[0]
# The run's morphometry uses BoneJ's local thickness (diameter 2 EDT): the
# phantom, generated to Tb.Th 170 um and Tb.N 1.05 /mm in the corrected
# convention (2 EDT - 1), reads about 220 um and 0.95 /mm there (README).
assert 0.13 < float(r0["bv_tv"]) < 0.17 and 195 < float(r0["tb_th_um"]) < 245, (r0["bv_tv"], r0["tb_th_um"])
assert 5.12 / (float(r0["tb_th_um"]) + float(r0["tb_sp_um"])) * 1000 >= 4.5, "fewer than 4.5 trabecular spacings across"
PY

if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
/usr/bin/python3 - <<'PY'
import h5py
with h5py.File("trabecula-out/trabecula.h5", "r") as f:
    snaps = sorted(f["snapshots"].keys())
    assert len(snaps) >= 9
    g = f["snapshots"][snaps[-1]]
    for name in ["bone_fraction", "osteocyte_viability", "osteoclasts", "osteoblasts", "adiposity",
                 "rankl", "opg", "sclerostin", "tgfb", "resorbed", "formed"]:
        assert g[name].shape == (128, 128, 128), (name, g[name].shape)
    assert abs(f.attrs["voxel_size_um"][0] - 40.0) < 1e-9
    assert f["compartment"].shape == (128, 128, 128)
    assert "osteoclast.resorption_speed_um_per_day" in f["parameters"].attrs
    assert f["parameters"].attrs["osteoclast.resorption_speed_um_per_day_unit"] in (b"um/day", "um/day")
    for k in ["version", "device", "seed"]:
        assert k in f.attrs, k
print("h5 layout ok")
PY
fi

if [ -x /usr/bin/pvpython ]; then
  cat > pv.py <<'PY'
import sys
from paraview.simple import XDMFReader
r = XDMFReader(FileNames=[sys.argv[1]])
r.UpdatePipelineInformation()
times = list(r.TimestepValues)
r.UpdatePipeline(times[-1])
info = r.GetDataInformation()
b = info.GetBounds()
ext = info.DataInformation.GetExtent()
print("times", times[:3], "...", times[-1], "bounds", b, "extent", ext)
assert len(times) >= 9 and abs(times[-1] - 4 * 365.25) < 1e-6
assert ext[1] - ext[0] == 128 and ext[3] - ext[2] == 128 and ext[5] - ext[4] == 128, ext
for k in range(3):
    assert abs((b[2 * k + 1] - b[2 * k]) - 128 * 40.0) < 1e-6, b
assert abs(b[0] + 20.0) < 1e-6, b
names = [r.CellData.GetArray(i).GetName() for i in range(r.CellData.GetNumberOfArrays())]
assert "bone_fraction" in names and "compartment" in names, names
print("paraview ok")
PY
  /usr/bin/pvpython pv.py "$work/trabecula-out/trabecula.xdmf"
else
  echo "pvpython not installed: ParaView check skipped"
fi

# A second default run goes next to the first, never over it.
before_sum="$(md5sum trabecula-out/summary.json)"
"$exe" run --no-progress --years 0.05 --set run.spinup_days=10 2> run2.log || { cat run2.log; exit 1; }
[ -s trabecula-out-2/summary.json ] || { echo "second run did not go to trabecula-out-2"; exit 1; }
[ "$before_sum" = "$(md5sum trabecula-out/summary.json)" ] || { echo "first run's results changed"; exit 1; }
# The README's comparison plot of two runs.
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  /usr/bin/python3 "$src/tools/plot_morphometry.py" trabecula-out trabecula-out-2 -o compare.png
  [ -s compare.png ] || { echo "no comparison plot"; exit 1; }
fi
# An explicit, non-empty output directory is refused before anything runs.
set +e
"$exe" run -o trabecula-out --years 0.05 2> err.log; rc=$?
set -e
[ "$rc" = 2 ] || { echo "expected exit 2 for a taken -o, got $rc"; cat err.log; exit 1; }
grep -q "trabecula-out" err.log
echo "default run ok"

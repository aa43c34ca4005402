#!/usr/bin/env bash
# Loss of trabeculae comes out of the mechanisms (IMMUNE_AND_TREATMENTS.md,
# issue "the seed's whole cast"): on a sample of thin trabeculae (48^3 at
# 20 um, Tb.Th 60 um), a year after a fast menopause has perforated
# trabeculae (deeper, longer-lived osteoclast teams, cavities meeting from
# opposite surfaces), more than the same year in health; the perforated
# cavities are never refilled (Liu 2008): every voxel the perforation_loss
# map marks is still marrow at the end, hormone therapy included; and the
# osteocytes on the cut faces die (osteocyte.cut_apoptosis_per_day).
set -euo pipefail
exe="$1"; src="$2"
/usr/bin/python3 -c "import h5py" 2>/dev/null || { echo "python3-h5py not installed: skipped"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$exe" phantom --size 48 --spacing 20 --bvtv 0.15 --tb-th 60 -o thin.nrrd 2> phantom.log || { cat phantom.log; exit 1; }
common=(run --input thin.nrrd -q --no-progress --years 1 --set run.spinup_days=180
        --set run.snapshot_interval_days=182.625 --set estrogen.menopause_day=0 --set estrogen.decline_days=60)
"$exe" "${common[@]}" -o healthy --set estrogen.loss=0 2> h.log || { cat h.log; exit 1; }
"$exe" "${common[@]}" -o pm --set estrogen.loss=0.9 2> pm.log || { cat pm.log; exit 1; }
"$exe" "${common[@]}" -o pm_nocut --set estrogen.loss=0.9 --set osteocyte.cut_apoptosis_per_day=0 2> pmn.log ||
  { cat pmn.log; exit 1; }
"$exe" "${common[@]}" -o ht --set estrogen.loss=0.9 --set treatment.1.drug=hormone_therapy \
  --set treatment.1.start_day=182.625 --set treatment.1.dose_mg=0.1 2> ht.log ||
  { cat ht.log; exit 1; }
/usr/bin/python3 - <<'PY'
import csv, h5py, numpy as np
def perf(run):
    rows = list(csv.DictReader(open(f"{run}/morphometry.csv")))
    return sum(float(r["perforations"]) for r in rows), rows[-1]
ph, _ = perf("healthy")
pp, last = perf("pm")
print(f"perforated cycles in a year: healthy {ph:.0f}, postmenopausal {pp:.0f}; "
      f"{float(last['bone_lost_perforated_pct']):.1f} % of the net loss from perforated cavities")
assert pp >= 5 and pp > 2 * ph, (pp, ph)
assert float(last["perforated_loss_mm3"]) > 0 and float(last["bone_lost_perforated_pct"]) > 0
for run in ["pm", "ht"]:
    with h5py.File(f"{run}/trabecula.h5") as f:
        snaps = sorted(f["snapshots"])
        first = None
        for s in snaps:
            loss = f["snapshots"][s]["perforation_loss"][()]
            if first is None and (loss > 0.5).any():
                first = (loss > 0.5)
        bone = f["snapshots"][snaps[-1]]["bone_fraction"][()]
    assert first is not None, run
    refilled = (bone[first] >= 0.5).mean()
    print(f"{run}: {first.sum()} perforated voxels, {100*refilled:.1f} % refilled by the end")
    assert refilled == 0.0, refilled
# Osteocytes on the cut faces (bone 6-adjacent to a perforated voxel) die at
# osteocyte.cut_apoptosis_per_day: at the end their viability is below half
# that of the other bone; with the rate at 0 it is not.
def cut_face_viability(run):
    with h5py.File(f"{run}/trabecula.h5") as f:
        last = f["snapshots"][sorted(f["snapshots"])[-1]]
        loss, bone, ocy = (last[k][()] for k in ("perforation_loss", "bone_fraction", "osteocyte_viability"))
    cut = loss > 0.5
    near = np.zeros_like(cut)
    near[1:] |= cut[:-1]; near[:-1] |= cut[1:]
    near[:, 1:] |= cut[:, :-1]; near[:, :-1] |= cut[:, 1:]
    near[:, :, 1:] |= cut[:, :, :-1]; near[:, :, :-1] |= cut[:, :, 1:]
    b = bone >= 0.5
    face, rest = b & near & ~cut, b & ~near
    return face.sum(), ocy[face].mean() if face.any() else float("nan"), ocy[rest].mean()
for run in ["pm", "pm_nocut"]:
    n, vf, vr = cut_face_viability(run)
    print(f"{run}: {n} bone voxels on cut faces, osteocyte viability {vf:.3f} there, {vr:.3f} elsewhere")
    assert n >= 10, n
    if run == "pm":
        assert vf < 0.5 * vr, (vf, vr)
    else:
        assert vf > 0.5 * vr, (vf, vr)
PY

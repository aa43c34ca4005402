#!/usr/bin/env bash
# The calibration target of the immune compartment, measured as a user would:
# data/scenarios/surgical-menopause.ini on the built-in phantom (128^3 at
# 40 um), 120 days of healthy spin-up, the resorption marker (osteoclast
# teams x activity, morphometry.csv `resorption_marker`) 21 days after the
# abrupt estrogen withdrawal. Charatcharoenwitthaya et al. 2007: +43.3 %
# (SEM 8.0) with the immune system intact, about half (+21.7 %) with TNF
# blocked. Seed 3 is not one tools/calibrate fitted on, so this checks the
# fit on an independent draw. Also: the immune levels in the CSV move as
# IMMUNE_AND_TREATMENTS.md says (Th17 and RANKL per immune cell up, Treg
# flat) and the three cytokine fields are in trabecula.h5.
set -euo pipefail
exe="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
common=(run "$src/data/scenarios/surgical-menopause.ini" -q --no-progress --seed 3 --years 0.0575
        --set run.spinup_days=120 --set run.snapshot_interval_days=21)
"$exe" "${common[@]}" -o intact 2> intact.log || { cat intact.log; exit 1; }
"$exe" "${common[@]}" -o no-tnf --set immune.tnf_scale=0 2> no-tnf.log || { cat no-tnf.log; exit 1; }
/usr/bin/python3 - <<'PY'
import csv
def day21(run):
    rows = list(csv.DictReader(open(f"{run}/morphometry.csv")))
    return [r for r in rows if float(r["time_days"]) >= 21][0], rows[0]
a, a0 = day21("intact")
b, _ = day21("no-tnf")
ra, rb = float(a["resorption_marker"]) - 1, float(b["resorption_marker"]) - 1
print(f"resorption marker at day {a['time_days']}: intact {100*ra:+.1f} %, TNF knocked out {100*rb:+.1f} % "
      f"(targets +43.3 %, +21.7 %)")
assert 0.30 <= ra <= 0.57, ra
assert 0.30 <= rb / ra <= 0.70, (rb, ra)
for k in ["th17", "effector_t", "rankl_per_immune_cell", "m1", "b_cell"]:
    assert float(a[k]) > 1.05, (k, a[k])
    assert abs(float(a0[k]) - 1) < 1e-4, (k, a0[k])
assert abs(float(a["treg"]) - 1) < 1e-3, a["treg"]
rpc = float(a["rankl_per_immune_cell"])
assert 2.0 <= rpc <= 3.0, rpc  # Eghbali-Fatourechi 2003: x 2-3
assert float(b["tnf"]) == 0.0 and float(a["tnf"]) > float(a0["tnf"]), (a["tnf"], b["tnf"])
PY
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 - <<'PY'
import h5py
with h5py.File("intact/trabecula.h5") as f:
    last = sorted(f["snapshots"])[-1]
    for k in ["tnf", "il17", "il6", "osteoclastogenesis", "perforation_loss"]:
        assert k in f["snapshots"][last], k
    assert f["units"].attrs["tnf"] in (b"1", "1"), f["units"].attrs["tnf"]
PY
fi

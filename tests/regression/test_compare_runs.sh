#!/bin/bash
# trabecula compare on two real short runs of today's binary (a 48^3 phantom
# with a cortex, healthy and postmenopausal from day 0, half a year each, the
# postmenopausal one with twice as many snapshots): the report renders in
# headless Chromium with every image loaded and the seven rows, the slices
# are at the same time_days in both runs, the estrogen row reads as the seed
# expects, and each run's morphometry.png is the few-panel figure.
# usage: test_compare_runs.sh TRABECULA_EXE SOURCE_DIR
set -u
exe=$1
src=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
. "$src/tests/regression/compare_lib.sh"
compare_need_tools

"$exe" phantom --size 48 --spacing 40 --cortex 200 -o "$tmp/ph.nrrd" > /dev/null 2>&1 || fail "phantom exited $?"
common=(--input "$tmp/ph.nrrd" --labels "$tmp/ph_labels.nrrd" --years 0.5 --set run.spinup_days=30 -q --no-progress)
"$exe" run "$src/data/scenarios/healthy.ini" "${common[@]}" --set run.snapshot_interval_days=91.3125 \
  -o "$tmp/healthy" > "$tmp/log" 2>&1 || fail "healthy run exited $?: $(cat "$tmp/log")"
"$exe" run "$src/data/scenarios/postmenopausal.ini" "${common[@]}" --set run.snapshot_interval_days=45.65625 \
  --set estrogen.menopause_day=0 -o "$tmp/postmenopausal" > "$tmp/log" 2>&1 ||
  fail "postmenopausal run exited $?: $(cat "$tmp/log")"
for r in healthy postmenopausal; do
  png="$tmp/$r/morphometry.png"
  [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$png missing or not a PNG"
done

"$exe" compare "$tmp/healthy" "$tmp/postmenopausal" -o "$tmp/report" > "$tmp/out" 2>&1 ||
  fail "compare exited $?: $(cat "$tmp/out")"
render_dom "$tmp/report" "$tmp/dom.html"
"$py" "$src/tests/regression/check_report_dom.py" "$tmp/dom.html" "$tmp/report" || exit 1

"$py" - "$tmp" <<'PY' || fail "slice times or estrogen row"
import csv, os, re, sys
d = sys.argv[1]
html = open(f"{d}/report/index.html", encoding="utf-8").read()
times = {r: [float(row["time_days"]) for row in csv.DictReader(open(f"{d}/{r}/morphometry.csv"))]
         for r in ("healthy", "postmenopausal")}
common = [t for t in times["healthy"] if any(abs(t - u) <= 1 for u in times["postmenopausal"])]
assert len(times["postmenopausal"]) > len(times["healthy"]) >= 3, times
# Every slice shown is a snapshot at a time both runs have.
shown = re.findall(r"src='slices/run(\d)_snap_(\d{6})_xy\.png'", html)
assert shown, "no slices in the report"
runs = ["healthy", "postmenopausal"]
per_run = {0: [], 1: []}
for k, idx in shown:
    t = times[runs[int(k) - 1]][int(idx)]
    assert any(abs(t - c) <= 1 for c in common), f"slice {k}/{idx} at {t} d is not at a common time {common}"
    per_run[int(k) - 1].append(t)
assert per_run[0] == per_run[1], f"slice times differ: {per_run}"
assert "nearest:" not in html
m = re.search(r"<tr data-measure='estrogen'>.*?</tr>", html, re.S)
assert m and "data-verdict='agree'" in m.group(0), "estrogen row does not read lower after menopause"
print(f"slices at {per_run[0]} d in both runs; estrogen row agrees")
PY
printf '[treatment.1]\ndrug = denosumab\nstart_day = 0\ndose_mg = 60\n' > "$tmp/dmab.ini"
"$exe" run "$src/data/scenarios/postmenopausal.ini" "${common[@]}" --set run.snapshot_interval_days=45.65625 \
  --set estrogen.menopause_day=0 --set treatment.1.drug=denosumab --set treatment.1.start_day=0 \
  --set treatment.1.dose_mg=60 -o "$tmp/denosumab" > "$tmp/log" 2>&1 || fail "treated run exited $?: $(cat "$tmp/log")"
"$exe" compare "$tmp/postmenopausal" "$tmp/denosumab" -o "$tmp/report2" --labels untreated,denosumab > "$tmp/out" 2>&1 ||
  fail "compare (treated) exited $?: $(cat "$tmp/out")"
render_dom "$tmp/report2" "$tmp/dom2.html"
"$py" - "$tmp" <<'PY' || fail "treated-versus-untreated report"
import csv, sys
d = sys.argv[1]
dom = open(f"{d}/dom2.html", encoding="utf-8").read()
assert "[treatment.1] denosumab 60 mg every 182.625 d from day 0" in dom, "the report does not name the course"
assert "figures/treatment.png" in dom, "no treatment panel"
rows = list(csv.DictReader(open(f"{d}/denosumab/treatment.csv")))
steps = [float(r["time_days"]) for r in rows]
assert steps[0] == 0 and all(abs(b - a - 2) < 1e-6 for a, b in zip(steps, steps[1:])), "treatment.csv is not per step"
assert abs(steps[-1] - 182.625) < 2.1, steps[-1]
c = [float(r["denosumab_ng_per_mL"]) for r in rows]
assert max(c) > 9000 and c[0] == 0, "serum course"
m = {r["time_days"]: r for r in csv.DictReader(open(f"{d}/denosumab/morphometry.csv"))}
u = {r["time_days"]: r for r in csv.DictReader(open(f"{d}/postmenopausal/morphometry.csv"))}
late = min(m, key=lambda t: abs(float(t) - 91.3))  # 3 months after the dose
assert float(m[late]["resorbing_teams"]) < 0.5 * float(u[late]["resorbing_teams"]), "denosumab did not lower resorption"
print(f"treatment.csv: {len(rows)} steps, C_max {max(c):.0f} ng/mL; resorbing teams {m[late]['resorbing_teams']} vs "
      f"{u[late]['resorbing_teams']} untreated")
PY
echo "ok: two real runs compared, and a treated run beside an untreated one"

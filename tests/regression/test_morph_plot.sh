#!/bin/bash
# tools/plot_morphometry.py turns two runs' morphometry.csv into one PNG of a
# few labelled panels (bone, turnover, microarchitecture, cells, immune,
# estrogen, and treatment for a treated run): columns read by name, absent or
# NaN ones left out without a crash.
# usage: test_morph_plot.sh TRABECULA_EXE SOURCE_DIR
set -u
src=$2
py=/usr/bin/python3
[ -x "$py" ] || { echo "skipped: no /usr/bin/python3"; exit 77; }
"$py" -c "import matplotlib" 2>/dev/null || { echo "skipped: python3-matplotlib missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/healthy" "$tmp/postmenopausal"
"$py" - "$tmp" <<'PY'
import sys, math
d = sys.argv[1]
cols = ("time_days,bv_tv,bv_tv_trabecular,bv_tv_cortical,tb_th_um,tb_sp_um,tb_n_per_mm,conn_d_per_mm3,da,"
        "activation_frequency_per_year,estrogen,eroded_surface_pct,osteocyte_viability")
for run, loss in (("healthy", 0.0), ("postmenopausal", 0.03)):
    with open(f"{d}/{run}/morphometry.csv", "w") as f:
        # healthy: a text column and an all-NaN immune column; postmenopausal: adiposity and Th17.
        f.write(cols + (",scenario,th17\n" if run == "healthy" else ",marrow_adiposity,th17\n"))
        for k in range(11):
            t = 365.25 * k
            b = 0.2 * (1 - loss) ** k
            extra = "healthy,nan" if run == "healthy" else f"{0.3 + 0.01 * k},{1 + 0.1 * k}"
            f.write(f"{t},{b},{b},{0.9 - loss * k / 5},{150 - 2 * loss * k * 10},{700 + 50 * loss * k},"
                    f"{1000 / (850 + 60 * loss * k)},{8 - 30 * loss * k / 10},{0.3},{0.3 * (1 + loss * 30)},"
                    f"{1 - 0.9 * loss * 30 * min(k, 3) / 3},{4 + loss * 50},{0.95 - loss * k},{extra}\n")
PY
out="$tmp/plot.png"
"$py" "$src/tools/plot_morphometry.py" "$tmp/healthy" "$tmp/postmenopausal/morphometry.csv" -o "$out" > "$tmp/log" ||
  { echo "FAILED: plot_morphometry.py exited $?"; exit 1; }
# Six panels, each with data (Th17 is in one run), not one per column.
grep -q ": 6 panels (6 with data), 2 runs" "$tmp/log" || { echo "FAILED: expected 6 panels with data: $(cat "$tmp/log")"; exit 1; }
[ -s "$out" ] || { echo "FAILED: no PNG at $out"; exit 1; }
sig=$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')
[ "$sig" = "89504e470d0a1a0a" ] || { echo "FAILED: $out is not a PNG (signature $sig)"; exit 1; }
# Two rows of panels: the PNG is at most 1200 px high (IHDR height, bytes 20-23).
height=$(od -An -tu1 -j20 -N4 "$out" | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')
[ "$height" -le 1200 ] || { echo "FAILED: figure is $height px high (expected a few panels)"; exit 1; }
# Without the immune columns the panel is left out: five panels.
cut -d, -f1-13 "$tmp/postmenopausal/morphometry.csv" > "$tmp/no_immune.csv"
"$py" "$src/tools/plot_morphometry.py" "$tmp/no_immune.csv" -o "$tmp/five.png" > "$tmp/log" &&
  grep -q ": 5 panels (5 with data), 1 runs" "$tmp/log" || { echo "FAILED: without immune columns: $(cat "$tmp/log")"; exit 1; }
# A treated run adds the treatment panel: seven.
"$py" - "$tmp" <<'PY'
import sys
d = sys.argv[1]
rows = open(f"{d}/postmenopausal/morphometry.csv").read().splitlines()
with open(f"{d}/treated.csv", "w") as f:
    f.write(rows[0] + ",bmd_trabecular_mg_cm3,denosumab_ng_per_mL,rankl_free_share\n")
    for k, r in enumerate(rows[1:]):
        f.write(r + f",{560 + 5 * k},{9000 if k % 2 else 50},{0.05 if k % 2 else 0.9}\n")
PY
"$py" "$src/tools/plot_morphometry.py" "$tmp/treated.csv" -o "$tmp/seven.png" > "$tmp/log" &&
  grep -q ": 7 panels (7 with data), 1 runs" "$tmp/log" || { echo "FAILED: treated run: $(cat "$tmp/log")"; exit 1; }
size=$(stat -c %s "$out")
[ "$size" -gt 20000 ] || { echo "FAILED: PNG only $size bytes"; exit 1; }
# A missing input is one clear message and exit 2.
"$py" "$src/tools/plot_morphometry.py" "$tmp/none" -o "$tmp/x.png" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "no morphometry.csv" "$tmp/err" || { echo "FAILED: missing input gave exit $rc"; cat "$tmp/err"; exit 1; }
echo "ok: $out ($size bytes)"

#!/bin/bash
# tools/plot_morphometry.py turns two runs' morphometry.csv into one PNG.
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
cols = "time_days,bv_tv,bv_tv_trabecular,bv_tv_cortical,tb_th_um,tb_sp_um,tb_n_per_mm,conn_d_per_mm3,da,activation_frequency_per_year"
for run, loss in (("healthy", 0.0), ("postmenopausal", 0.03)):
    with open(f"{d}/{run}/morphometry.csv", "w") as f:
        f.write(cols + (",scenario\n" if run == "healthy" else ",marrow_adiposity\n"))
        for k in range(11):
            t = 365.25 * k
            b = 0.2 * (1 - loss) ** k
            extra = "healthy" if run == "healthy" else f"{0.3 + 0.01 * k}"
            f.write(f"{t},{b},{b},{0.9 - loss * k / 5},{150 - 2 * loss * k * 10},{700 + 50 * loss * k},"
                    f"{1000 / (850 + 60 * loss * k)},{8 - 30 * loss * k / 10},{0.3},{0.3 * (1 + loss * 30)},{extra}\n")
PY
out="$tmp/plot.png"
"$py" "$src/tools/plot_morphometry.py" "$tmp/healthy" "$tmp/postmenopausal/morphometry.csv" -o "$out" || { echo "FAILED: plot_morphometry.py exited $?"; exit 1; }
[ -s "$out" ] || { echo "FAILED: no PNG at $out"; exit 1; }
sig=$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')
[ "$sig" = "89504e470d0a1a0a" ] || { echo "FAILED: $out is not a PNG (signature $sig)"; exit 1; }
size=$(stat -c %s "$out")
[ "$size" -gt 20000 ] || { echo "FAILED: PNG only $size bytes"; exit 1; }
# A missing input is one clear message and exit 2.
"$py" "$src/tools/plot_morphometry.py" "$tmp/none" -o "$tmp/x.png" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "no morphometry.csv" "$tmp/err" || { echo "FAILED: missing input gave exit $rc"; cat "$tmp/err"; exit 1; }
echo "ok: $out ($size bytes)"

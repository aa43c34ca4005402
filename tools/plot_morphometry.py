#!/usr/bin/python3
"""Plot one or more trabecula runs' morphometry over time as a few labelled panels.

usage: plot_morphometry.py RUN_DIR_OR_CSV [RUN_DIR_OR_CSV ...] -o OUT.png [--labels A,B] [--columns N]

Each argument is a run's output folder (holding morphometry.csv) or the CSV
itself. The figure has up to seven panels, time in years on every x axis, one
colour per run (legend on top), one line style per quantity (legend in the
panel):
  1. Bone: BV/TV of the trabecular compartment (left axis, %) and of the
     cortical one (right axis, %).
  2. Turnover: activation frequency (/year, left) and eroded and forming
     surface (% of bone surface, right).
  3. Microarchitecture: Tb.Th, Tb.Sp, Tb.N and Conn.D as % of their value at
     the run's start.
  4. Cells: osteocyte viability (relative to healthy) and marrow adiposity
     (fraction of marrow).
  5. Immune: population levels and cytokines relative to premenopause, when
     the CSV has them (th17, treg, m1, m2, tnf, il17, il6, ...).
  6. Estrogen relative to premenopause.
  7. Treatment, when a run scheduled a drug: the BMD-like figures as % of
     their start (left) and the drugs' effects on their targets, 1 =
     untreated (right: free RANKL under denosumab, free sclerostin under
     romosozumab, osteoblast apoptosis under teriparatide).
Columns are read by name; a missing or all-NaN column is left out of its panel
(a panel with nothing to draw says so). Uses matplotlib's Agg backend (Debian:
python3-matplotlib); needs no display. Exit 2 for bad input, 77 without
matplotlib.
"""
import argparse
import csv
import math
import os
import sys

DAYS_PER_YEAR = 365.25


class RunError(Exception):
    """Bad input: the message names the file and what was expected."""


def read_csv(path):
    """{column: [floats]} of a morphometry.csv; text columns are left out."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(row for row in f if row.strip() and not row.startswith("#")))
    except OSError as e:
        raise RunError(f"{path}: cannot read ({e.strerror})")
    if len(rows) < 2:
        raise RunError(f"{path}: expected a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if "time_days" not in header:
        raise RunError(f"{path}: no time_days column (columns: {', '.join(header)})")
    cols = {}
    for j, name in enumerate(header):
        values = []
        for row in rows[1:]:
            try:
                values.append(float(row[j]) if j < len(row) and row[j].strip() else math.nan)
            except ValueError:
                values = None  # a text column
                break
        if values is not None:
            cols[name] = values
    if "time_days" not in cols or any(math.isnan(t) for t in cols["time_days"]):
        raise RunError(f"{path}: time_days must be a number on every row")
    return cols


def read_run(arg):
    """(label, {column: [floats]}) for a run folder or a CSV file."""
    path = os.path.join(arg, "morphometry.csv") if os.path.isdir(arg) else arg
    if not os.path.isfile(path):
        raise RunError(f"{arg}: no morphometry.csv there (expected a run folder or a CSV file)")
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.basename(folder) or folder, read_csv(path)


def series(cols, name):
    """The column as a list, or None when absent or NaN everywhere."""
    v = cols.get(name)
    if v is None or all(math.isnan(x) for x in v):
        return None
    return v


def relative_to_start(v):
    """% of the first finite non-zero value, or None."""
    start = next((x for x in v if not math.isnan(x)), math.nan)
    if math.isnan(start) or start == 0:
        return None
    return [100.0 * x / start for x in v]


# Panels: (title, left axis label, [(column, legend, scale, style)], right axis label, [right lines]).
# scale: a factor, or "rel" for % of the start value.
PANELS = [
    ("Bone volume", "trabecular BV/TV (%)", [("bv_tv_trabecular", "trabecular", 100.0, "-")],
     "cortical BV/TV (%)", [("bv_tv_cortical", "cortical (right)", 100.0, "--")]),
    ("Turnover", "activation frequency (/year)", [("activation_frequency_per_year", "Ac.f", 1.0, "-")],
     "surface (% of BS)", [("eroded_surface_pct", "ES/BS (right)", 1.0, "--"),
                           ("forming_surface_pct", "FS/BS (right)", 1.0, ":")]),
    ("Microarchitecture (trabecular)", "% of value at start",
     [("tb_th_um", "Tb.Th", "rel", "-"), ("tb_sp_um", "Tb.Sp", "rel", "--"),
      ("tb_n_per_mm", "Tb.N", "rel", "-."), ("conn_d_per_mm3", "Conn.D", "rel", ":")], None, []),
    ("Cells", "osteocyte viability (1 = healthy)", [("osteocyte_viability", "osteocyte viability", 1.0, "-")],
     "marrow adiposity (fraction)", [("marrow_adiposity", "adiposity (right)", 1.0, "--")]),
    ("Immune (1 = premenopausal)", "level (relative)",
     [("th17", "Th17", 1.0, "-"), ("treg", "Treg", 1.0, "--"), ("m1", "M1", 1.0, "-."),
      ("m2", "M2", 1.0, ":"), ("tnf", "TNF", 1.0, (0, (5, 1, 1, 1, 1, 1))),
      ("il17", "IL-17", 1.0, (0, (1, 3))), ("il6", "IL-6", 1.0, (0, (8, 2)))], None, []),
    ("Estrogen", "estrogen (1 = premenopausal)", [("estrogen", "E(t)", 1.0, "-")], None, []),
    ("Treatment", "BMD-like, % of value at start",
     [("bmd_trabecular_mg_cm3", "BMD-like trabecular", "rel", "-"), ("bmd_cortical_mg_cm3", "BMD-like cortical", "rel", "--")],
     "drug effect (1 = untreated)",
     [("rankl_free_share", "free RANKL (right)", 1.0, ":"), ("sclerostin_free_share", "free sclerostin (right)", 1.0, "-."),
      ("ob_apoptosis_factor", "osteoblast apoptosis (right)", 1.0, (0, (1, 3)))]),
]
# Columns of a scheduled drug: the treatment panel is drawn only when a run has one.
DRUG_COLUMNS = ("denosumab_ng_per_mL", "teriparatide_mean_pM", "romosozumab_nM", "bp_plasma_ng_per_mL")


def draw_lines(ax, runs, colors, lines):
    """Draws each (column, legend, scale, style) for every run; returns the legend handles drawn."""
    handles = {}
    for (label, cols), color in zip(runs, colors):
        years = [t / DAYS_PER_YEAR for t in cols["time_days"]]
        for name, legend, scale, style in lines:
            v = series(cols, name)
            if v is None:
                continue
            y = relative_to_start(v) if scale == "rel" else [scale * x for x in v]
            if y is None:
                continue
            (h,) = ax.plot(years, y, color=color, linestyle=style, linewidth=1.5)
            handles.setdefault(legend, (style, h))
    return handles


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                usage="%(prog)s RUN_DIR_OR_CSV [...] -o OUT.png [--labels A,B] [--columns N]")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR_OR_CSV")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    p.add_argument("--labels", help="comma-separated legend labels, one per run (default: folder names)")
    p.add_argument("--columns", type=int, default=3, help="panels per row (default 3)")
    args = p.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
    except ImportError:
        print("plot_morphometry: matplotlib is missing (Debian: apt install python3-matplotlib)", file=sys.stderr)
        return 77
    try:
        runs = [read_run(a) for a in args.runs]
        if args.labels:
            labels = args.labels.split(",")
            if len(labels) != len(runs):
                raise RunError(f"--labels gives {len(labels)} labels for {len(runs)} runs")
            runs = [(lab, cols) for lab, (_, cols) in zip(labels, runs)]
        out_dir = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(out_dir):
            raise RunError(f"{args.output}: folder {out_dir} does not exist")
    except RunError as e:
        print(f"plot_morphometry: error: {e}", file=sys.stderr)
        return 2

    # Immune panel only when some run has one of its columns; treatment panel
    # only when some run scheduled a drug.
    treated = any(series(c, name) for _, c in runs for name in DRUG_COLUMNS)
    panels = [pn for pn in PANELS
              if (not pn[0].startswith("Immune") or any(series(c, ln[0]) for _, c in runs for ln in pn[2]))
              and (pn[0] != "Treatment" or treated)]
    colors = [f"C{k % 10}" for k in range(len(runs))]
    ncol = max(1, min(args.columns, len(panels)))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5 * ncol, 4.3 * nrow + 0.6), squeeze=False)
    drawn = 0
    for k, (title, ylabel, left, ylabel2, right) in enumerate(panels):
        ax = axes[k // ncol][k % ncol]
        handles = draw_lines(ax, runs, colors, left)
        if right:
            ax2 = ax.twinx()
            handles.update(draw_lines(ax2, runs, colors, right))
            ax2.set_ylabel(ylabel2, fontsize=9)
        ax.set_title(title, fontsize=11, fontweight="bold")
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_xlabel("time (years)", fontsize=9)
        ax.grid(True, alpha=0.3)
        if handles:
            drawn += 1
            ax.legend([Line2D([], [], color="0.2", linestyle=s) for s, _ in handles.values()], list(handles),
                      fontsize=8, loc="best", framealpha=0.8)
        else:
            ax.text(0.5, 0.5, "not in these runs' morphometry.csv", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="0.4")
    for k in range(len(panels), nrow * ncol):
        axes[k // ncol][k % ncol].axis("off")
    fig.legend([Line2D([], [], color=c, linewidth=3) for c in colors], [lab for lab, _ in runs],
               loc="upper center", ncol=min(len(runs), 5), frameon=False, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.6 / (4.3 * nrow + 0.6)))
    # Written under a temporary name and renamed, so a full disk leaves no
    # half-written PNG behind.
    tmp = f"{args.output}.tmp-{os.getpid()}"
    try:
        fig.savefig(tmp, dpi=100, format="png")
        os.replace(tmp, args.output)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        print(f"plot_morphometry: error: {args.output}: cannot write the plot: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}: {len(panels)} panels ({drawn} with data), {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

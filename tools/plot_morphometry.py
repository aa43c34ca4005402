#!/usr/bin/python3
"""Plot each morphometric index of one or more trabecula runs over time.

usage: plot_morphometry.py RUN_DIR_OR_CSV [RUN_DIR_OR_CSV ...] -o OUT.png

Each argument is a run's output folder (holding morphometry.csv) or the CSV
itself. Every numeric column present in all the files, except time_days, gets
one subplot (time in years on the x axis) with one line per run, labelled by
the run's folder name, so e.g. a healthy and a postmenopausal run lie side by
side. Uses matplotlib's Agg backend (Debian: python3-matplotlib); needs no
display.
"""
import argparse
import csv
import math
import os
import sys

DAYS_PER_YEAR = 365.25


def fail(msg):
    print(f"plot_morphometry: error: {msg}", file=sys.stderr)
    sys.exit(2)


def read_run(arg):
    """Returns (label, {column: [floats]}) for a run folder or CSV file."""
    path = os.path.join(arg, "morphometry.csv") if os.path.isdir(arg) else arg
    if not os.path.isfile(path):
        fail(f"{arg}: no morphometry.csv there (expected a run folder or a CSV file)")
    folder = os.path.dirname(os.path.abspath(path))
    label = os.path.basename(folder) or folder
    with open(path, newline="") as f:
        rows = list(csv.reader(row for row in f if row.strip() and not row.startswith("#")))
    if len(rows) < 2:
        fail(f"{path}: expected a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if "time_days" not in header:
        fail(f"{path}: no time_days column (columns: {', '.join(header)})")
    cols = {}
    for j, name in enumerate(header):
        values = []
        for row in rows[1:]:
            try:
                values.append(float(row[j]) if j < len(row) and row[j].strip() else math.nan)
            except ValueError:
                values = None  # a text column: not plotted
                break
        if values is not None:
            cols[name] = values
    return label, cols


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                usage="%(prog)s RUN_DIR_OR_CSV [...] -o OUT.png")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR_OR_CSV")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    p.add_argument("--columns", type=int, default=3, help="subplots per row (default 3)")
    p.add_argument("--labels", help="comma-separated legend labels, one per run (default: folder names)")
    args = p.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_morphometry: matplotlib is missing (Debian: apt install python3-matplotlib)",
              file=sys.stderr)
        return 77

    runs = [read_run(a) for a in args.runs]
    if args.labels:
        labels = args.labels.split(",")
        if len(labels) != len(runs):
            fail(f"--labels gives {len(labels)} labels for {len(runs)} runs")
        runs = [(lab, cols) for lab, (_, cols) in zip(labels, runs)]
    names = [c for c in runs[0][1] if c not in ("time_days", "time_years") and all(c in r[1] for r in runs)]
    if not names:
        fail("the files share no numeric column besides time_days")

    ncol = max(1, min(args.columns, len(names)))
    nrow = math.ceil(len(names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 2.8 * nrow + 0.5), squeeze=False)
    for k, name in enumerate(names):
        ax = axes[k // ncol][k % ncol]
        for label, cols in runs:
            years = [t / DAYS_PER_YEAR for t in cols["time_days"]]
            ax.plot(years, cols[name], label=label, linewidth=1.4)
        ax.set_title(name, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("time (years)", fontsize=9)
    for k in range(len(names), nrow * ncol):
        axes[k // ncol][k % ncol].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(runs), 4), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (2.8 * nrow + 0.5)))  # room for the legend
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        fail(f"{args.output}: folder {out_dir} does not exist")
    # Written under a temporary name and renamed, so a full disk leaves no
    # half-written PNG behind.
    tmp = f"{args.output}.tmp-{os.getpid()}"
    try:
        fig.savefig(tmp, dpi=110, format="png")
        os.replace(tmp, args.output)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        fail(f"{args.output}: cannot write the plot: {e.strerror or e}")
    print(f"wrote {args.output}: {len(names)} indices, {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Compare trabecula runs feature by feature: a self-contained HTML report.

usage: compare_report.py RUN_A RUN_B [RUN ...] -o REPORT_DIR [--labels A,B,...]

Each RUN is a run's output folder (morphometry.csv and summary.json; the
previews/snap_NNNNNN_xy.png slices when there). RUN_A is the reference: give
the healthy run first, then the postmenopausal one(s); the seed's expected
direction is that of a postmenopausal run against a healthy one.

REPORT_DIR must not exist or be empty. It is built in REPORT_DIR.partial-PID
and renamed when complete, and then holds:
  index.html       the report; opens from disk (no server, no network)
  figures/*.png    time plots of the key indices with the target bands of
                   ../shared/MODEL.md (the BANDS table below, with sources)
  slices/*.png     the runs' xy previews at the same times
The report has: the runs (scenario, sample, seed, BV/TV change), the seed's
healthy-vs-postmenopausal comparison table measured on the runs (one row per
feature, each number with its unit, the seed's expected direction beside the
measured one), the time plots, and the slices.

Columns of morphometry.csv are read by name; an absent or NaN column shows
"n/a". Exit 0 written, 2 bad input (one message naming the file and what was
expected), 77 matplotlib or numpy missing (Debian: python3-matplotlib).
"""
import argparse
import html
import json
import math
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_morphometry import RunError, read_csv, series  # noqa: E402

DAYS_PER_YEAR = 365.25
# Two runs whose values differ by less than this are "about the same" (≈).
SAME_REL = 0.02      # relative difference of levels
SAME_PP = 0.5        # percentage points of a change

# ---------------------------------------------------------------------------
# Target bands, one table, each with its source. t is in years after the
# menopause onset of the postmenopausal run (first snapshot where estrogen is
# below 0.99 after being 1; the run's start when it starts below). Values are
# what the plotted quantity is (see each figure's y label).
BANDS = [
    {"id": "healthy_bvtv", "plot": "bv_tv_trabecular_rel", "applies": "healthy",
     "what": "healthy trabecular BV/TV within ±5 % of its start over 10 years",
     "source": "MODEL.md 'What a run must show' (Badilatti 2016)",
     "kind": "hband", "lo": -5.0, "hi": 5.0},
    {"id": "pm_bvtv_early", "plot": "bv_tv_trabecular_rel", "applies": "postmenopausal",
     "what": "postmenopausal trabecular loss 2.5 to 3.5 %/yr for the first 3 years after menopause, "
             "then about 1 %/yr (drawn 0.5 to 1.5 %/yr); about 10 % over 10 years",
     "source": "MODEL.md (Greendale 2012, Sowers 2010: spine areal BMD, so compare rates and directions)",
     "kind": "cone", "rates": [(3.0, -3.5, -2.5), (None, -1.5, -0.5)]},
    {"id": "cortical_fraction", "plot": "bv_tv_cortical_rel", "applies": "postmenopausal",
     "what": "cortical loss a fraction of the trabecular loss: between no change and the "
             "postmenopausal run's trabecular change",
     "source": "MODEL.md (Riggs 2008)", "kind": "between_zero_and", "other": "bv_tv_trabecular_rel"},
    {"id": "acf_healthy", "plot": "activation_frequency_per_year", "applies": "healthy",
     "what": "healthy activation frequency 0.2 to 0.5 /year per surface point",
     "source": "MODEL.md histomorphometry [check]", "kind": "hband", "lo": 0.2, "hi": 0.5},
    {"id": "acf_pm", "plot": "activation_frequency_per_year", "applies": "postmenopausal",
     "what": "postmenopausal activation frequency at least 2x the premenopausal baseline within a year "
             "of menopause (baseline: the postmenopausal run's mean before onset, else the reference run's mean)",
     "source": "MODEL.md (Recker 2004 [check])", "kind": "ratio_after", "factor": 2.0, "after_years": 1.0},
    {"id": "es_healthy", "plot": "eroded_surface_pct", "applies": "healthy",
     "what": "healthy eroded surface ES/BS 3 to 5 %", "source": "MODEL.md histomorphometry [check]",
     "kind": "hband", "lo": 3.0, "hi": 5.0},
    {"id": "os_healthy", "plot": "forming_surface_pct", "applies": "healthy",
     "what": "healthy osteoid (forming) surface OS/BS 10 to 20 %", "source": "MODEL.md histomorphometry [check]",
     "kind": "hband", "lo": 10.0, "hi": 20.0},
    {"id": "cavity", "plot": "cavity_depth_um", "applies": "healthy",
     "what": "healthy cavity depth 40 to 60 µm (deeper after menopause)",
     "source": "MODEL.md (Eriksen 1986 [check])", "kind": "hband", "lo": 40.0, "hi": 60.0},
    {"id": "wall", "plot": "wall_thickness_um", "applies": "healthy",
     "what": "healthy wall thickness 50 to 60 µm (thinner after menopause)",
     "source": "MODEL.md (Kragstrup 1983 [check])", "kind": "hband", "lo": 50.0, "hi": 60.0},
    {"id": "ctx", "plot": "resorption_marker", "applies": "postmenopausal",
     "what": "after abrupt estrogen withdrawal the resorption marker (CTX-like) rises 43.3 ± 8.0 % in 21 days",
     "source": "IMMUNE_AND_TREATMENTS.md §6 (Charatcharoenwitthaya 2007)", "kind": "point",
     "t_days": 21.0, "value": 1.433, "err": 0.08},
    {"id": "rankl_cell", "plot": "rankl_per_immune_cell", "applies": "postmenopausal",
     "what": "RANKL per immune cell 2 to 3x in early postmenopause",
     "source": "IMMUNE_AND_TREATMENTS.md §6 (Eghbali-Fatourechi 2003)", "kind": "hband_after",
     "lo": 2.0, "hi": 3.0, "after_years": 0.0},
    {"id": "adipocytes", "plot": "marrow_adiposity_rel", "applies": "postmenopausal",
     "what": "marrow adipocyte volume +20 % after one year without estrogen (placebo arm)",
     "source": "IMMUNE_AND_TREATMENTS.md §6 (Syed 2008)", "kind": "point",
     "t_days": 365.25, "value": 20.0, "err": 0.0},
]

# ---------------------------------------------------------------------------
# The seed's table (seeds/postmenopausal-osteoporosis-cellular-basis.txt),
# quoted; the microarchitecture row paraphrases its section "Cellular Impact on
# Bone Microarchitecture".
SEED = [
    ("hormonal-state", "Hormonal state", "Stable estrogen levels maintain cellular balance.",
     "Severe estrogen deficiency upsets cellular equilibrium."),
    ("osteoclast-activity", "Osteoclast activity", "Resorption is balanced with formation.",
     "Hyperactive and increased in number; resorption far outpaces formation."),
    ("osteoblast-activity", "Osteoblast activity", "Formation matches resorption; robustly replaces lost bone.",
     "Decreased proliferation and increased apoptosis; formation lags behind resorption."),
    ("osteocyte-health", "Osteocyte health", "Viable, long-lived, and responsive to mechanical load.",
     "Increased apoptosis, decreased density, and impaired mechanosensing."),
    ("immune-environment", "Immune environment", "Balanced cytokine production supports coupled remodeling.",
     "Chronic low-grade inflammation promotes osteoclast activity and hinders osteoblast function."),
    ("stem-cell-activity", "Stem cell activity",
     "Bone marrow mesenchymal stem cells (BM-MSCs) differentiate into osteoblasts.",
     "Shift in BM-MSC differentiation towards adipogenesis (fat cells) instead of osteogenesis (bone cells)."),
    ("microarchitecture", "Microarchitecture", "(not in the seed's table) bone mass and structure maintained.",
     "(seed, 'Cellular Impact on Bone Microarchitecture') loss of bone mass and microarchitectural damage, "
     "most severe in trabecular bone; cortical bone affected as the condition progresses."),
]


# ---------------------------------------------------------------------------
# Runs

class Run:
    def __init__(self, folder, label):
        self.folder = folder
        self.label = label
        csv_path = os.path.join(folder, "morphometry.csv")
        json_path = os.path.join(folder, "summary.json")
        if not os.path.isdir(folder):
            raise RunError(f"{folder}: not a folder (expected a trabecula run's output folder)")
        if not os.path.isfile(csv_path):
            raise RunError(f"{folder}: no morphometry.csv (expected a trabecula run's output folder)")
        if not os.path.isfile(json_path):
            raise RunError(f"{folder}: no summary.json (expected a trabecula run's output folder)")
        self.cols = read_csv(csv_path)
        try:
            with open(json_path) as f:
                self.summary = json.load(f)
        except (OSError, ValueError) as e:
            raise RunError(f"{json_path}: not valid JSON ({e})")
        if not isinstance(self.summary, dict):
            raise RunError(f"{json_path}: expected a JSON object")
        self.t = self.cols["time_days"]
        self.onset = menopause_onset(self.cols)

    def col(self, name):
        return series(self.cols, name)

    def years(self):
        return (self.t[-1] - self.t[0]) / DAYS_PER_YEAR


def menopause_onset(cols):
    """Time (days) of the menopause onset in this run, or None without one."""
    e = series(cols, "estrogen")
    if e is None or min(x for x in e if not math.isnan(x)) > 0.95:
        return None
    t = cols["time_days"]
    onset = t[0]
    for ti, ei in zip(t, e):
        if math.isnan(ei):
            continue
        if ei < 0.99:
            return onset
        onset = ti
    return onset


def finite(v):
    return [x for x in v if x is not None and not math.isnan(x) and not math.isinf(x)]


def ratio_series(run, a, b):
    va, vb = run.col(a), run.col(b)
    if va is None or vb is None:
        return None
    return [x / y if y not in (0.0,) and not math.isnan(y) else math.nan for x, y in zip(va, vb)]


def diff_series(run, a, b):
    va, vb = run.col(a), run.col(b)
    if va is None or vb is None:
        return None
    return [x - y for x, y in zip(va, vb)]


# ---------------------------------------------------------------------------
# Measures of the comparison table. Each gives, for a run, (value, text).
#   end:    the last finite value (text: start -> end)
#   late:   mean of the finite values over the run's last year, first row
#           excluded (interval measures: the first row covers the spin-up)
#   change: % change from the first to the last finite value
#   total:  sum over the rows after the first, divided by the run's years

def agg_end(v, t):
    vals = [(ti, x) for ti, x in zip(t, v) if not math.isnan(x)]
    if not vals:
        return None
    return vals[-1][1], vals[0][1]


def agg_late(v, t):
    if len(t) < 2:
        vals = finite(v)
    else:
        t_end = t[-1]
        vals = finite([x for ti, x in zip(t[1:], v[1:]) if ti >= t_end - DAYS_PER_YEAR - 1e-6])
    return (sum(vals) / len(vals), None) if vals else None


def agg_change(v, t):
    e = agg_end(v, t)
    if e is None or e[1] == 0:
        return None
    return 100.0 * (e[0] / e[1] - 1.0), e


def agg_total(v, t):
    years = (t[-1] - t[0]) / DAYS_PER_YEAR
    vals = finite(v[1:])
    if not vals or years <= 0:
        return None
    return sum(vals) / years, None


def fmt(x):
    if x is None or math.isnan(x):
        return "n/a"
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1000 or a < 0.01:
        return f"{x:.3g}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


class Measure:
    """One line of a feature: a quantity, its unit, how it is aggregated and
    the seed's expected direction (+1 higher, -1 lower, 0 none stated) of a
    postmenopausal run against a healthy one."""

    def __init__(self, label, unit, get, agg, expected, note=""):
        self.label, self.unit, self.get, self.agg, self.expected, self.note = label, unit, get, agg, expected, note
        self.key = get if isinstance(get, str) else re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")

    def evaluate(self, run):
        """(value compared between runs or None, cell text)."""
        v = self.get(run) if callable(self.get) else run.col(self.get)
        if v is None:
            return None, "n/a"
        if self.agg == "end":
            r = agg_end(v, run.t)
            if r is None:
                return None, "n/a"
            end, start = r
            if len(run.t) > 1 and start != end:
                return end, f"{fmt(start)} → {fmt(end)}"
            return end, fmt(end)
        if self.agg == "late":
            r = agg_late(v, run.t)
            return (None, "n/a") if r is None else (r[0], fmt(r[0]))
        if self.agg == "total":
            r = agg_total(v, run.t)
            return (None, "n/a") if r is None else (r[0], fmt(r[0]))
        if self.agg == "change":
            r = agg_change(v, run.t)
            if r is None:
                return None, "n/a"
            pct, (end, start) = r
            return pct, f"{fmt(start)} → {fmt(end)} ({pct:+.1f} %)"
        if self.agg == "scalar":
            x = v
            return (None, "n/a") if x is None or math.isnan(x) else (x, fmt(x))
        raise ValueError(self.agg)

    def direction(self, ref, other):
        """+1, -1, 0 (about the same) or None of other against ref."""
        if ref is None or other is None:
            return None
        if self.agg in ("change",) or self.unit.startswith("pp"):
            d = other - ref
            return 0 if abs(d) < SAME_PP else (1 if d > 0 else -1)
        scale = max(abs(ref), abs(other))
        if scale == 0:
            return 0
        d = (other - ref) / scale
        return 0 if abs(d) < SAME_REL else (1 if d > 0 else -1)


def formed_over_resorbed(run):
    f, r = run.col("formed_trabecular_mm3"), run.col("resorbed_trabecular_mm3")
    if f is None or r is None:
        return None
    sf, sr = sum(finite(f[1:])), sum(finite(r[1:]))
    return sf / sr if sr > 0 else math.nan


def change_pct(run, name):
    v = run.col(name)
    r = agg_change(v, run.t) if v is not None else None
    return r[0] if r else math.nan


def connd_minus_tbth(run):
    return change_pct(run, "conn_d_per_mm3") - change_pct(run, "tb_th_um")


def tbn_minus_tbth(run):
    return change_pct(run, "tb_n_per_mm") - change_pct(run, "tb_th_um")


MEASURES = {
    "hormonal-state": [
        Measure("estrogen", "× premenopausal", "estrogen", "end", -1),
    ],
    "osteoclast-activity": [
        Measure("active osteoclast teams", "/mm² bone surface", "resorbing_teams_per_mm2", "late", +1),
        Measure("resorbing teams", "teams", "resorbing_teams", "late", +1),
        Measure("eroded surface ES/BS", "%", "eroded_surface_pct", "late", +1),
        Measure("activation frequency", "/year", "activation_frequency_per_year", "late", +1),
        Measure("resorption marker (CTX-like)", "× run start", "resorption_marker", "end", +1),
        Measure("osteoclast precursor pool", "× healthy", "precursors", "end", +1),
        Measure("cavity depth", "µm", "cavity_depth_um", "late", +1),
        Measure("bone resorbed", "mm³/year", "resorbed_mm3", "total", +1),
    ],
    "osteoblast-activity": [
        Measure("forming surface FS/BS", "%", "forming_surface_pct", "late", 0,
                "the seed states no direction; it rises with turnover"),
        Measure("forming teams", "teams", "forming_teams", "late", 0),
        Measure("wall thickness", "µm", "wall_thickness_um", "late", -1),
        Measure("wall thickness − cavity depth", "µm", lambda r: diff_series(r, "wall_thickness_um", "cavity_depth_um"),
                "late", -1, "formation deficit per remodeling cycle"),
        Measure("formed / resorbed (trabecular)", "ratio", lambda r: formed_over_resorbed(r), "scalar", -1),
    ],
    "osteocyte-health": [
        Measure("osteocyte viability", "live per bone voxel, × healthy", "osteocyte_viability", "end", -1),
    ],
    "immune-environment": [
        Measure("Th17 / Treg", "ratio", lambda r: ratio_series(r, "th17", "treg"), "end", +1),
        Measure("M1 / M2", "ratio", lambda r: ratio_series(r, "m1", "m2"), "end", +1),
        Measure("TNF-α (marrow mean)", "× premenopausal", "tnf", "end", +1),
        Measure("IL-17 (marrow mean)", "× premenopausal", "il17", "end", +1),
        Measure("IL-6 (marrow mean)", "× premenopausal", "il6", "end", +1),
        Measure("RANKL per immune cell", "× premenopausal", "rankl_per_immune_cell", "end", +1),
        Measure("effector T cells", "× premenopausal", "effector_t", "end", +1),
        Measure("B cells", "× premenopausal", "b_cell", "end", +1),
        Measure("neutrophils", "× premenopausal", "neutrophil", "end", +1),
        Measure("mast cells", "× premenopausal", "mast_cell", "end", +1),
    ],
    "stem-cell-activity": [
        Measure("marrow adiposity", "fraction of marrow", "marrow_adiposity", "end", +1),
    ],
    "microarchitecture": [
        Measure("BV/TV trabecular", "% change", "bv_tv_trabecular", "change", -1),
        Measure("BV/TV cortical", "% change", "bv_tv_cortical", "change", -1),
        Measure("Tb.Th", "µm, % change", "tb_th_um", "change", -1),
        Measure("Tb.Sp", "µm, % change", "tb_sp_um", "change", +1),
        Measure("Tb.N", "/mm, % change", "tb_n_per_mm", "change", -1),
        Measure("Conn.D", "/mm³, % change", "conn_d_per_mm3", "change", -1),
        Measure("Tb.N change − Tb.Th change", "pp", lambda r: tbn_minus_tbth(r), "scalar", -1,
                "below 0: trabeculae lost faster than they thin (Khosla 2006)"),
        Measure("Conn.D change − Tb.Th change", "pp", lambda r: connd_minus_tbth(r), "scalar", -1),
        Measure("perforated BMUs", "/year", "perforations_per_year", "late", +1),
        Measure("bone lost from perforated trabeculae", "% of bone lost", "bone_lost_perforated_pct", "end", +1),
    ],
}

ARROW = {1: "↑", -1: "↓", 0: "≈", None: "n/a"}


# ---------------------------------------------------------------------------
# Figures

def plot_quantity(run, name):
    """(years, values) of a plotted quantity (a column, or <column>_rel: % change from start)."""
    rel = name.endswith("_rel")
    v = run.col(name[:-4] if rel else name)
    if v is None:
        return None
    if rel:
        r = agg_end(v, run.t)
        if r is None or r[1] == 0:
            return None
        start = r[1]
        v = [100.0 * (x / start - 1.0) for x in v]
    return [t / DAYS_PER_YEAR for t in run.t], v


FIGURES = [
    ("bone", "Bone volume", [
        ("bv_tv_trabecular_rel", "trabecular BV/TV, % change from start"),
        ("bv_tv_cortical_rel", "cortical BV/TV, % change from start")]),
    ("turnover", "Turnover", [
        ("activation_frequency_per_year", "activation frequency (/year)"),
        ("eroded_surface_pct", "eroded surface ES/BS (%)"),
        ("forming_surface_pct", "forming surface FS/BS (%)"),
        ("resorbing_teams_per_mm2", "active osteoclast teams (/mm² BS)"),
        ("cavity_depth_um", "cavity depth (µm)"),
        ("wall_thickness_um", "wall thickness (µm)")]),
    ("microarchitecture", "Trabecular microarchitecture", [
        ("tb_th_um_rel", "Tb.Th, % change from start"),
        ("tb_sp_um_rel", "Tb.Sp, % change from start"),
        ("tb_n_per_mm_rel", "Tb.N, % change from start"),
        ("conn_d_per_mm3_rel", "Conn.D, % change from start")]),
    ("cells", "Cells and estrogen", [
        ("estrogen", "estrogen (× premenopausal)"),
        ("osteocyte_viability", "osteocyte viability (× healthy)"),
        ("marrow_adiposity_rel", "marrow adiposity, % change from start"),
        ("resorption_marker", "resorption marker, CTX-like (× run start)")]),
    ("treatment", "Treatments (drug columns appear when a run has courses)", [
        ("bmd_trabecular_mg_cm3_rel", "BMD-like trabecular, % change from start"),
        ("tmd_trabecular_mg_cm3", "tissue mineral density TMD (mg/cm³)"),
        ("denosumab_ng_per_mL", "serum denosumab (ng/mL)"),
        ("rankl_free_share", "free RANKL share (denosumab)"),
        ("bp_bound_ng_per_mm3", "bound bisphosphonate, mean over bone (ng/mm³)"),
        ("teriparatide_peak_pM", "serum teriparatide, step peak (pM)"),
        ("lining_activation_teriparatide", "lining-cell activation, teriparatide"),
        ("romosozumab_nM", "serum romosozumab (nM)"),
        ("sclerostin_free_share", "free sclerostin share (romosozumab)"),
        ("precursors", "osteoclast precursor pool (× healthy)")]),
    ("immune", "Immune environment (× premenopausal)", [
        ("th17", "Th17"), ("treg", "Treg"), ("m1", "M1 macrophages"), ("m2", "M2 macrophages"),
        ("tnf", "TNF-α"), ("il17", "IL-17"), ("il6", "IL-6"), ("rankl_per_immune_cell", "RANKL per immune cell")]),
]


def draw_band(ax, band, runs, ref, pm):
    """Draws one target band; returns True when something was drawn."""
    kind = band["kind"]
    applies_pm = band["applies"] == "postmenopausal"
    if applies_pm and pm is None:
        return False
    style = dict(color="tab:green" if not applies_pm else "tab:red", alpha=0.13, zorder=0)
    t_all = [t / DAYS_PER_YEAR for r in runs for t in r.t]
    t_max = max(t_all)
    onset = pm.onset / DAYS_PER_YEAR if pm is not None and pm.onset is not None else None
    if kind == "hband":
        ax.axhspan(band["lo"], band["hi"], **style)
        return True
    if kind == "hband_after":
        ax.fill_between([onset + band["after_years"], t_max], band["lo"], band["hi"], **style)
        return True
    if kind == "cone":
        # Change from the value at onset, in % of the start value (approximately the same).
        q = plot_quantity(pm, band["plot"])
        if q is None:
            return False
        base = next((v for t, v in zip(*q) if t >= onset - 1e-9 and not math.isnan(v)), 0.0)
        n = 200
        ts = [onset + (t_max - onset) * k / n for k in range(n + 1)]
        lo, hi = [], []
        for t in ts:
            dt, l_acc, h_acc, t0 = t - onset, 0.0, 0.0, 0.0
            for until, r_lo, r_hi in band["rates"]:
                seg = (min(dt, until) if until is not None else dt) - t0
                if seg <= 0:
                    break
                l_acc += r_lo * seg
                h_acc += r_hi * seg
                t0 += seg
            lo.append(base + l_acc)
            hi.append(base + h_acc)
        ax.fill_between(ts, lo, hi, **style)
        return True
    if kind == "between_zero_and":
        q = plot_quantity(pm, band["other"])
        if q is None:
            return False
        ax.fill_between(q[0], [0.0] * len(q[0]), q[1], **style)
        return True
    if kind == "ratio_after":
        before = []
        if pm.onset is not None:
            v = pm.col(band["plot"])
            if v is not None:
                before = finite([x for t, x in zip(pm.t[1:], v[1:]) if t <= pm.onset])
        if not before and ref is not pm:
            v = ref.col(band["plot"])
            before = finite(v[1:] if v is not None and len(v) > 1 else (v or []))
        if not before:
            return False
        base = sum(before) / len(before)
        x0 = onset + band["after_years"]
        if x0 < t_max:
            top = max([band["factor"] * base * 1.5] + finite(pm.col(band["plot"]) or []))
            ax.fill_between([x0, t_max], band["factor"] * base, top, **style)
        ax.axhline(band["factor"] * base, color=style["color"], linewidth=0.8, linestyle=":", zorder=0)
        return True
    if kind == "point":
        x = onset + band["t_days"] / DAYS_PER_YEAR
        ax.errorbar([x], [band["value"]], yerr=[band["err"]] if band["err"] else None, fmt="D",
                    color=style["color"], markersize=6, capsize=4, zorder=5)
        return True
    raise ValueError(kind)


def make_figures(runs, out_dir, plt):
    """Writes figures/<name>.png; returns [(file, title, [band texts drawn], [quantities absent])]."""
    from matplotlib.patches import Patch
    ref = runs[0]
    pm = next((r for r in runs[1:] if r.onset is not None), None)
    if pm is None and ref.onset is not None:
        pm = ref
    colors = [f"C{k % 10}" for k in range(len(runs))]
    os.makedirs(os.path.join(out_dir, "figures"))
    made = []
    for name, title, quantities in FIGURES:
        present = [(q, lab) for q, lab in quantities if any(plot_quantity(r, q) for r in runs)]
        absent = [lab for q, lab in quantities if (q, lab) not in present]
        if not present:
            made.append((None, title, [], absent))
            continue
        ncol = min(3, len(present))
        nrow = math.ceil(len(present) / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.4 * nrow + 0.5), squeeze=False)
        bands_drawn = []
        for k, (q, lab) in enumerate(present):
            ax = axes[k // ncol][k % ncol]
            for run, color in zip(runs, colors):
                d = plot_quantity(run, q)
                if d is not None:
                    ax.plot(d[0], d[1], color=color, linewidth=1.6, marker="o", markersize=2.5, label=run.label)
            for band in BANDS:
                if band["plot"] == q and draw_band(ax, band, runs, ref, pm):
                    bands_drawn.append(band)
            if pm is not None and pm.onset is not None:
                ax.axvline(pm.onset / DAYS_PER_YEAR, color="0.5", linewidth=0.8, linestyle="--")
            ax.set_title(lab, fontsize=10)
            ax.set_xlabel("time (years)", fontsize=9)
            ax.grid(True, alpha=0.3)
        for k in range(len(present), nrow * ncol):
            axes[k // ncol][k % ncol].axis("off")
        handles, labels = axes[0][0].get_legend_handles_labels()
        for kind, color in (("healthy", "tab:green"), ("postmenopausal", "tab:red")):
            if any(b["applies"] == kind for b in bands_drawn):
                handles.append(Patch(color=color, alpha=0.25))
                labels.append(f"{kind} target (sources: band table)")
        fig.legend(handles, labels, loc="upper center", ncol=min(len(handles), 6), frameon=False, fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (3.4 * nrow + 0.5)))
        fname = f"figures/{name}.png"
        fig.savefig(os.path.join(out_dir, fname), dpi=90)
        plt.close(fig)
        made.append((fname, title, bands_drawn, absent))
    return made


# ---------------------------------------------------------------------------
# Slices

SNAP_RE = re.compile(r"^snap_(\d{6})_xy\.png$")


def snapshots(run):
    """{time_days: path} of the run's xy previews; snapshot k is row k of morphometry.csv."""
    d = os.path.join(run.folder, "previews")
    out = {}
    if not os.path.isdir(d):
        return out
    for f in sorted(os.listdir(d)):
        m = SNAP_RE.match(f)
        if m and int(m.group(1)) < len(run.t):
            out[run.t[int(m.group(1))]] = os.path.join(d, f)
    return out


def pick_slices(runs, want=4):
    """[(target time, [(run, time, path) or None per run])] at times every run has (within 1 day),
    else at the reference's times with each run's nearest snapshot."""
    snaps = [snapshots(r) for r in runs]
    if not snaps[0]:
        return []
    common = [t for t in sorted(snaps[0]) if all(any(abs(t - u) <= 1.0 for u in s) for s in snaps[1:])]
    times = common or sorted(snaps[0])
    if len(times) > want:
        idx = sorted({round(k * (len(times) - 1) / (want - 1)) for k in range(want)})
        times = [times[i] for i in idx]
    rows = []
    for t in times:
        cells = []
        for r, s in zip(runs, snaps):
            if not s:
                cells.append(None)
                continue
            u = min(s, key=lambda x: abs(x - t))
            cells.append((r, u, s[u]))
        rows.append((t, cells))
    return rows


# ---------------------------------------------------------------------------
# HTML

CSS = """
body{font-family:sans-serif;margin:1.5em auto;max-width:1400px;color:#222;line-height:1.35}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top;font-size:0.9em}
th{background:#eee}table.features{width:100%;table-layout:fixed}table.features>tbody>tr>td{padding:4px}
table.measures{width:100%;table-layout:fixed;border:none}table.measures td,table.measures th{font-size:0.85em}
.seed{font-size:0.85em;color:#333}.seed b{display:block;margin-top:0.3em}
.agree{background:#dff0d8}.disagree{background:#f2dede}.same{background:#fcf8e3}.na{color:#888}
.note{color:#555;font-size:0.85em}img{max-width:100%}figure{margin:0.6em 0}
.slices td{text-align:center}.slices img{width:260px;image-rendering:pixelated}
"""

SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.images, bad = [];
  for (var i = 0; i < imgs.length; i++)
    if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) bad.push(imgs[i].getAttribute('src'));
  document.body.setAttribute('data-images', bad.length ? 'broken' : 'ok');
  document.body.setAttribute('data-images-count', String(imgs.length));
  if (bad.length) document.body.setAttribute('data-images-broken', bad.join(' '));
});
"""


def esc(s):
    return html.escape(str(s), quote=True)


def run_table(runs):
    rows = []
    keys = [("scenario", "scenario"), ("input", "input"), ("grid", "grid (voxels)"),
            ("voxel_size_um", "voxel size (µm)"), ("years", "simulated years"), ("seed", "seed"),
            ("treatments", "treatments"),
            ("bv_tv_trabecular_change_pct_per_year", "trabecular BV/TV change (%/year)"),
            ("mass_balance_relative_error", "mass balance (relative error)"), ("version", "trabecula version")]
    head = "".join(f"<th>{esc(r.label)}</th>" for r in runs)
    rows.append(f"<tr><th>run</th>{head}</tr>")
    rows.append("<tr><td>folder</td>" + "".join(f"<td>{esc(os.path.abspath(r.folder))}</td>" for r in runs) + "</tr>")
    for key, label in keys:
        cells = []
        for r in runs:
            v = r.summary.get(key)
            if isinstance(v, float):
                v = fmt(v)
            elif isinstance(v, list) and key == "treatments":
                v = "; ".join(str(x) for x in v) if v else "none"
            elif isinstance(v, list):
                v = " × ".join(str(x) for x in v)
            cells.append(f"<td>{esc('n/a' if v is None else v)}</td>")
        rows.append(f"<tr><td>{esc(label)}</td>{''.join(cells)}</tr>")
    onsets = "".join(f"<td>{'none' if r.onset is None else fmt(r.onset) + ' d'}</td>" for r in runs)
    rows.append(f"<tr><td>menopause onset (from estrogen)</td>{onsets}</tr>")
    span = "".join(f"<td>{fmt(r.t[0])} to {fmt(r.t[-1])} d, {len(r.t)} rows</td>" for r in runs)
    rows.append(f"<tr><td>morphometry.csv</td>{span}</tr>")
    return "<table class='runs'>" + "".join(rows) + "</table>"


def feature_table(runs):
    ref = runs[0]
    others = runs[1:]
    n_cols = 3 + len(runs) + 2 * len(others)
    w_measure, w_unit, w_exp = 22, 12, 7
    w_rest = (100 - w_measure - w_unit - w_exp) / max(1, len(runs) + 2 * len(others))
    colgroup = (f"<colgroup><col style='width:{w_measure}%'><col style='width:{w_unit}%'>"
                f"<col style='width:{w_exp}%'>" + f"<col style='width:{w_rest:.2f}%'>" * (n_cols - 3) + "</colgroup>")
    head = ("<tr><th>measure</th><th>unit</th><th>seed expects</th>" +
            "".join(f"<th>{esc(r.label)}</th>" for r in runs) +
            "".join(f"<th>measured {esc(o.label)} vs {esc(ref.label)}</th><th>agrees?</th>" for o in others) +
            "</tr>")
    out = ["<table class='features' id='comparison'>",
           "<colgroup><col style='width:17%'><col style='width:83%'></colgroup>",
           "<thead><tr><th>feature (seed: healthy / postmenopausal)</th><th>measured</th></tr></thead><tbody>"]
    tally = {}
    for fid, name, healthy, pm in SEED:
        lines = [f"<table class='measures'>{colgroup}{head}"]
        agree = total = 0
        for m in MEASURES[fid]:
            vals = [m.evaluate(r) for r in runs]
            cells = "".join(f"<td class='{'na' if v is None else 'value'}' data-run='{k}'>{esc(text)}</td>"
                            for k, (v, text) in enumerate(vals))
            dirs = ""
            for k, o in enumerate(others, start=1):
                d = m.direction(vals[0][0], vals[k][0])
                if d is None:
                    cls, verdict = "na", "n/a"
                elif m.expected == 0:
                    cls, verdict = "", "(no direction stated)"
                elif d == m.expected:
                    cls, verdict = "agree", "yes"
                    agree += 1
                    total += 1
                elif d == 0:
                    cls, verdict = "same", "no change"
                    total += 1
                else:
                    cls, verdict = "disagree", "no"
                    total += 1
                dirs += (f"<td class='{cls}'>{ARROW[d]}</td>"
                         f"<td class='{cls}' data-verdict='{cls or 'none'}' data-run='{k}'>{verdict}</td>")
            note = f"<br><span class='note'>{esc(m.note)}</span>" if m.note else ""
            agg = {"end": "start → end", "late": "mean over the last year", "change": "start → end",
                   "total": "per year of run", "scalar": "whole run"}[m.agg]
            lines.append(f"<tr data-measure='{esc(m.key)}'><td>{esc(m.label)} <span class='note'>({agg})</span>{note}</td><td>{esc(m.unit)}</td>"
                         f"<td>{ARROW[m.expected] if m.expected else '—'}</td>{cells}{dirs}</tr>")
        lines.append("</table>")
        tally[fid] = (agree, total)
        summary = (f"<b>measured: {agree} of {total} directions agree</b>" if total else
                   "<b>measured: no direction could be compared</b>")
        out.append(f"<tr class='feature' data-feature='{fid}'><td><b>{esc(name)}</b><div class='seed'>"
                   f"<b>healthy</b>{esc(healthy)}<b>postmenopausal</b>{esc(pm)}</div>"
                   f"<div class='note'>{summary}</div></td><td>{''.join(lines)}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out), tally


def reference_warning(runs):
    """A visible note when the reference loses estrogen and another run does not: the directions
    then read the wrong way round."""
    healthy = [r.label for r in runs[1:] if r.onset is None]
    if runs[0].onset is None or not healthy:
        return ""
    return (f"<p class='disagree' id='reference-warning'>Note: the reference {esc(runs[0].label)} loses estrogen "
            f"(onset at day {fmt(runs[0].onset)}) while {esc(', '.join(healthy))} does not; give the healthy run "
            "first, or the measured directions read against the seed's.</p>")


def write_report(runs, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figures = make_figures(runs, out_dir, plt)
    slice_rows = pick_slices(runs)
    if slice_rows:
        os.makedirs(os.path.join(out_dir, "slices"))
    copied = {}
    for t, cells in slice_rows:
        for c in cells:
            if c is None or c[2] in copied:
                continue
            r, u, path = c
            k = runs.index(r)
            dest = f"slices/run{k + 1}_{os.path.basename(path)}"
            shutil.copyfile(path, os.path.join(out_dir, dest))
            copied[path] = dest
    table, tally = feature_table(runs)
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<title>trabecula: " + esc(" vs ".join(r.label for r in runs)) + "</title>",
             f"<style>{CSS}</style></head><body data-images='pending'>",
             "<h1>trabecula comparison: " + esc(" vs ".join(r.label for r in runs)) + "</h1>",
             f"<p>Reference (first run): <b>{esc(runs[0].label)}</b>. The seed's expected direction is that of a "
             "postmenopausal run against a healthy one: give the healthy run first. "
             "Clinical targets are areal BMD of whole bones; these are BV/TV and histomorphometry of a sample, "
             "so compare rates and directions.</p>", reference_warning(runs), "<h2>Runs</h2>", run_table(runs),
             "<h2>Healthy vs postmenopausal remodeling, feature by feature</h2>",
             "<p class='note'>The seed's comparison table (seeds/postmenopausal-osteoporosis-cellular-basis.txt) "
             "measured on these runs. ↑/↓: higher/lower than the reference; ≈: within "
             f"{SAME_REL * 100:.0f} % (levels) or {SAME_PP} percentage points (changes); n/a: the column is absent "
             "from a run's morphometry.csv or is NaN. 'start → end': first and last snapshot; 'mean over the last "
             "year': interval measures averaged over the snapshots of the run's last year (the first row, which "
             "covers the spin-up, left out).</p>", table,
             "<h2>Time plots with the target bands</h2>",
             "<p class='note'>Shaded: target bands (green: healthy targets; red: postmenopausal ones, placed at "
             "the menopause onset of the first postmenopausal run, dashed vertical line); diamonds: target "
             "points. Each band and its source:</p>"]
    parts.append("<table><tr><th>band</th><th>target</th><th>source</th></tr>" + "".join(
        f"<tr><td>{esc(b['id'])}</td><td>{esc(b['what'])}</td><td>{esc(b['source'])}</td></tr>" for b in BANDS) +
        "</table>")
    for fname, title, drawn, absent in figures:
        parts.append(f"<h3>{esc(title)}</h3>")
        if fname:
            parts.append(f"<figure><img src='{esc(fname)}' alt='{esc(title)}'><figcaption class='note'>")
            parts.append("bands drawn: " + (esc("; ".join(b["what"] for b in drawn)) if drawn else "none") + ".")
            if absent:
                parts.append(" Not in these runs: " + esc(", ".join(absent)) + ".")
            parts.append("</figcaption></figure>")
        else:
            parts.append("<p class='na'>n/a: none of " + esc(", ".join(absent)) +
                         " is in these runs' morphometry.csv.</p>")
    parts.append("<h2>Slices at matching times</h2>")
    if slice_rows:
        parts.append("<p class='note'>Mid-plane xy previews: bone gray, marrow black, bone resorbed since the "
                     "previous snapshot red, formed green, both yellow.</p><table class='slices'><tr><th>time</th>" +
                     "".join(f"<th>{esc(r.label)}</th>" for r in runs) + "</tr>")
        for t, cells in slice_rows:
            row = f"<tr><td>{fmt(t)} d<br>({t / DAYS_PER_YEAR:.2f} y)</td>"
            for c in cells:
                if c is None:
                    row += "<td class='na'>no previews</td>"
                else:
                    r, u, path = c
                    shown = "" if abs(u - t) <= 1.0 else f"<br><span class='note'>nearest: {fmt(u)} d</span>"
                    row += f"<td><img src='{esc(copied[path])}' alt='{esc(r.label)} at {fmt(u)} d'>{shown}</td>"
            parts.append(row + "</tr>")
        parts.append("</table>")
    else:
        parts.append("<p class='na'>n/a: the reference run has no previews/snap_NNNNNN_xy.png.</p>")
    parts.append(f"<script>{SCRIPT}</script></body></html>\n")
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    return tally, figures, slice_rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                usage="%(prog)s RUN_A RUN_B [RUN ...] -o REPORT_DIR [--labels A,B,...]")
    p.add_argument("runs", nargs="+", metavar="RUN")
    p.add_argument("-o", "--output", required=True, metavar="REPORT_DIR")
    p.add_argument("--labels", help="comma-separated names, one per run (default: folder names)")
    p.add_argument("--in-place", action="store_true",
                   help="write straight into REPORT_DIR, an existing empty folder (trabecula compare "
                        "does the temporary name and the rename itself)")
    args = p.parse_args(argv)
    partial = None
    try:
        if len(args.runs) < 2:
            raise RunError("expected at least two run folders (the healthy reference first)")
        labels = args.labels.split(",") if args.labels else [None] * len(args.runs)
        if len(labels) != len(args.runs):
            raise RunError(f"--labels gives {len(labels)} labels for {len(args.runs)} runs")
        runs = [Run(f, lab or os.path.basename(os.path.abspath(f))) for f, lab in zip(args.runs, labels)]
        out = args.output.rstrip("/") or "/"
        exists = os.path.isdir(out)
        if os.path.exists(out) and not exists:
            raise RunError(f"{out}: exists and is not a folder (expected a new or empty report folder)")
        if exists and os.listdir(out):
            raise RunError(f"{out}: folder is not empty (expected a new or empty report folder)")
        if args.in_place:
            if not exists:
                raise RunError(f"{out}: --in-place needs an existing empty folder")
            target = out
        else:
            parent = os.path.dirname(os.path.abspath(out))
            if not os.path.isdir(parent):
                raise RunError(f"{out}: folder {parent} does not exist")
            partial = f"{out}.partial-{os.getpid()}"
            os.mkdir(partial)
            target = partial
        result = write_report(runs, target)
        if result is None:
            print("compare_report: matplotlib is missing (Debian: apt install python3-matplotlib)", file=sys.stderr)
            if partial:
                shutil.rmtree(partial, ignore_errors=True)
            return 77
        if partial:
            os.rename(partial, out)  # replaces an empty folder
            partial = None
        tally, figures, slices = result
        agree = sum(a for a, _ in tally.values())
        total = sum(t for _, t in tally.values())
        what = (f"{len(runs)} runs, {len(tally)} features ({agree} of {total} measured directions agree with "
                f"the seed), {sum(1 for f in figures if f[0])} figures, {len(slices)} slice times")
        print(what if args.in_place else f"wrote {os.path.join(out, 'index.html')}: {what}")
        return 0
    except RunError as e:
        print(f"compare_report: error: {e}", file=sys.stderr)
        return 2
    finally:
        if partial:
            shutil.rmtree(partial, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Writes two synthetic trabecula run folders for the compare tests.

usage: compare_fixtures.py DIR

DIR/healthy and DIR/postmenopausal each get a morphometry.csv (today's columns
and the immune/team columns, 13 rows every 91.3125 days over 3 years), a
summary.json and 16x16 previews/snap_NNNNNN_{xy,xz,yz}.png. The
postmenopausal run loses estrogen from day 182.625 and moves every measure the
way the seed says; its il6 column is NaN and it has no mast_cell column, so
the report must show n/a for those. Standard library only.
"""
import json
import math
import os
import struct
import sys
import zlib

DT = 91.3125
ROWS = 13
ONSET = 182.625


def png(path, rgb):
    """A 16x16 RGB PNG of one colour."""
    w = h = 16
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rows(pm):
    out = []
    for k in range(ROWS):
        t = k * DT
        y = max(0.0, t - ONSET) / 365.25 if pm else 0.0  # years since menopause
        e = 0.1 + 0.9 * math.exp(-y * 365.25 / 250) if pm else 1.0
        d = 1.0 - e  # estrogen deficit
        first = k == 0
        r = {
            "time_days": t, "time_years": t / 365.25, "estrogen": e,
            "bv_tv_trabecular": 0.20 * (1 - 0.03 * y), "bv_tv_cortical": 0.90 * (1 - 0.01 * y),
            "resorbed_mm3": 0.01 * (1 + d), "formed_mm3": 0.01 * (1 - 0.3 * d),
            "resorbed_trabecular_mm3": 0.006 * (1 + d), "formed_trabecular_mm3": 0.006 * (1 - 0.3 * d),
            "resorbed_cortical_mm3": 0.004, "formed_cortical_mm3": 0.004,
            "events_initiated": 100 * (1 + d), "active_events": 200 * (1 + d),
            "activation_frequency_per_year": math.nan if first else 0.3 * (1 + 1.5 * d),
            "eroded_surface_pct": 4.0 * (1 + d), "forming_surface_pct": 15.0 * (1 + 0.5 * d),
            "marrow_adiposity": 0.40 * (1 + 0.2 * d), "osteocyte_viability": 0.95 * (1 - 0.1 * d),
            "perforated_events": 3 * d, "bv_tv": 0.20 * (1 - 0.03 * y), "bs_mm2": 10.0,
            "bs_bv_per_mm": 20.0, "tb_th_um": 150 * (1 - 0.005 * y), "tb_th_sd_um": 30.0,
            "tb_sp_um": 600 * (1 + 0.03 * y), "tb_sp_sd_um": 200.0, "tb_n_per_mm": 1.4 * (1 - 0.03 * y),
            "euler": -20 * (1 - 0.05 * y), "conn_d_per_mm3": 8.0 * (1 - 0.05 * y), "da": 0.3,
            "da_eigen_ratio": 1.4, "ct_th_um": 400.0, "ct_po": 0.05,
            "th17": 1 + 0.8 * d, "treg": 1 - 0.3 * d, "effector_t": 1 + 0.5 * d, "m1": 1 + 0.6 * d,
            "m2": 1 - 0.2 * d, "b_cell": 1 + 0.3 * d, "neutrophil": 1 + 0.2 * d,
            "precursors": 1 + 0.5 * d, "tnf": 1 + 0.7 * d, "il17": 1 + 0.9 * d,
            "il6": math.nan if pm else 1.0, "rankl_per_immune_cell": 1 + 1.5 * d,
            "resorbing_teams": 20 * (1 + d), "forming_teams": 30 * (1 + 0.5 * d),
            "resorbing_teams_per_mm2": 3.0 if d > 0 else 1.5, "resorption_marker": 1 + 0.43 * d,
            "cavity_depth_um": math.nan if first else 50 * (1 + 0.2 * d),
            "wall_thickness_um": math.nan if first else 52 * (1 - 0.1 * d),
            "perforations_per_year": 4 * d, "bone_lost_perforated_pct": 30 * d,
        }
        if not pm:
            r["mast_cell"] = 1.0
        out.append(r)
    return out


def write_run(folder, pm):
    os.makedirs(os.path.join(folder, "previews"))
    data = rows(pm)
    cols = list(data[0])
    with open(os.path.join(folder, "morphometry.csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        for r in data:
            f.write(",".join(f"{r[c]:.9g}" for c in cols) + "\n")
    last = data[-1]
    summary = {"version": "test", "scenario": "postmenopausal.ini" if pm else "healthy.ini", "input": "synthetic",
               "seed": 1, "voxel_size_um": 40, "grid": [16, 16, 16], "years": 3,
               "bv_tv_trabecular_change_pct_per_year": 100 * (last["bv_tv_trabecular"] / 0.2 - 1) / 3,
               "mass_balance_relative_error": 1e-8}
    with open(os.path.join(folder, "summary.json"), "w") as f:
        json.dump(summary, f)
    for k in range(ROWS):
        for plane in ("xy", "xz", "yz"):
            png(os.path.join(folder, "previews", f"snap_{k:06d}_{plane}.png"), (40 + 15 * k, 200 if pm else 90, 90))


def main():
    d = sys.argv[1]
    write_run(os.path.join(d, "healthy"), False)
    write_run(os.path.join(d, "postmenopausal"), True)


if __name__ == "__main__":
    main()

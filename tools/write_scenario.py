#!/usr/bin/python3
"""Rewrite scenario files so each one sets every parameter of the table.

usage: write_scenario.py SCENARIO.ini [SCENARIO.ini ...]

Reads the parameter table in src/model/params.c (section, key, unit,
default, range, help) and each scenario file's first comment line (what the
scenario is) and values, and writes the file back in the table's order with
every parameter: the file's value where it sets one, the table's default
otherwise, and "(default X)" under the help where they differ. Run it after
adding a parameter to the table; tests/unit/test_params.c checks that every
scenario file sets every parameter.
"""
import configparser
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = """; Every parameter of the model, with its unit, range and source. Lengths in um,
; times in days, concentrations in pM; rates are converted to voxel units with the
; sample's voxel size at run time. Generated from the parameter table in
; src/model/params.c by tools/write_scenario.py (trabecula run --help prints the
; same table); values that differ from the table's default say so."""

ROW = re.compile(r'\{\s*"(\w+)",\s*"(\w+)",\s*F\(\w+\),\s*"([^"]*)",\s*([^,]+),\s*([^,]+),\s*([^,]+),\s*(\d),\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\}',
                 re.S)


def number(text):
    text = text.strip()
    if text == "BIG":
        return 1e12
    return float(eval(text, {"__builtins__": {}}))


def fmt(v):
    """As C's %g."""
    return "%g" % v


def table():
    src = open(os.path.join(ROOT, "src", "model", "params.c")).read()
    body = src[src.index("tb_param_table[] = {"):src.index("const int tb_param_count")]
    rows = []
    for m in ROW.finditer(body):
        section, key, unit, d, lo, hi, integer, help_ = m.groups()
        help_ = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', help_))
        rows.append((section, key, unit, number(d), number(lo), number(hi), help_))
    return rows


def rewrite(path, rows):
    text = open(path).read()
    first = text.splitlines()[0] if text.startswith(";") else "; A scenario."
    cp = configparser.ConfigParser(comment_prefixes=(";", "#"), inline_comment_prefixes=None, strict=True)
    cp.optionxform = str
    cp.read_string(text)
    known = {(s, k) for s, k, *_ in rows}
    for s in cp.sections():
        if s.startswith("treatment."):
            continue
        for k in cp[s]:
            if (s, k) not in known:
                print(f"write_scenario: {path}: [{s}] {k} is not in the parameter table (dropped)", file=sys.stderr)
    out = [first, HEADER]
    section = None
    for s, k, unit, d, lo, hi, help_ in rows:
        if s != section:
            out.append(f"\n[{s}]")
            section = s
        out.append(f"; {help_} [{unit}] range {fmt(lo)} to {fmt(hi)}.")
        v = number(cp[s][k]) if cp.has_option(s, k) else d
        if v != d:
            out.append(f"; (default {fmt(d)})")
        out.append(f"{k} = {fmt(v)}")
    # Treatment courses are not table rows: kept as written, in the order of N.
    courses = sorted((s for s in cp.sections() if s.startswith("treatment.")), key=lambda s: int(s.split(".", 1)[1]))
    if courses:
        out.append("\n; Treatment courses (README: Treatments): a dose of dose_mg at start_day, start_day +")
        out.append("; interval_days, ... before stop_day (days after t = 0; interval_days = 0: continuous, mg/day).")
    for s in courses:
        out.append(f"\n[{s}]")
        for k in ("drug", "start_day", "stop_day", "dose_mg", "interval_days"):
            if cp.has_option(s, k):
                out.append(f"{k} = {cp[s][k]}")
        for k in cp[s]:
            if k not in ("drug", "start_day", "stop_day", "dose_mg", "interval_days"):
                print(f"write_scenario: {path}: [{s}] {k} is not a treatment key (dropped)", file=sys.stderr)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, path)


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rows = table()
    for path in sys.argv[1:]:
        rewrite(path, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

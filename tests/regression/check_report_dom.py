#!/usr/bin/python3
"""Checks the DOM of a trabecula compare report as headless Chromium rendered it.

usage: check_report_dom.py DOM.html REPORT_DIR [--synthetic]

Fails (exit 1, one line per problem) unless: the page's own script ran and
found every <img> loaded (body data-images="ok", data-images-count equal to
the number of <img>, at least one figure and one slice); every image is a
relative path to a PNG inside REPORT_DIR; nothing is fetched from the network
(no http(s):// or protocol-relative src/href, no <link>, no external script);
the comparison table has one row for each of the seed's seven features, with
the feature's name. With --synthetic (the runs of compare_fixtures.py) the
numbers and directions are checked too: every measure both runs have agrees
with the seed, il6 and mast cells show n/a, and the osteoclast teams read
1.5 and 3 /mm^2.
"""
import os
import sys
from html.parser import HTMLParser

FEATURES = {
    "hormonal-state": "Hormonal state", "osteoclast-activity": "Osteoclast activity",
    "osteoblast-activity": "Osteoblast activity", "osteocyte-health": "Osteocyte health",
    "immune-environment": "Immune environment", "stem-cell-activity": "Stem cell activity",
    "microarchitecture": "Microarchitecture",
}


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.body = {}
        self.imgs, self.urls, self.links, self.scripts = [], [], 0, []
        self.features = {}      # id -> text of the first cell
        self.measures = {}      # (feature, measure) -> {"values": {run: text}, "verdicts": {run: class}}
        self.feature = self.measure = None
        self.cell = None        # ("feature"|"value", run) while inside a cell of interest
        self.td_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "img":
            self.imgs.append(a.get("src", ""))
        elif tag == "link":
            self.links += 1
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])
        if tag == "tr" and "data-feature" in a:
            self.feature = a["data-feature"]
            self.features[self.feature] = ""
            self.cell = ("feature", None)
        elif tag == "tr" and "data-measure" in a:
            self.measure = (self.feature, a["data-measure"])
            self.measures[self.measure] = {"values": {}, "verdicts": {}}
        elif tag == "td" and self.measure and "data-run" in a:
            run = a["data-run"]
            if "data-verdict" in a:
                self.measures[self.measure]["verdicts"][run] = a["data-verdict"]
            else:
                self.measures[self.measure]["values"][run] = ""
                self.cell = ("value", run)
        elif tag == "table" and self.cell and self.cell[0] == "feature":
            self.cell = None  # the feature's first cell ends where its measures begin

    def handle_endtag(self, tag):
        if tag == "td" and self.cell and self.cell[0] == "value":
            self.cell = None

    def handle_data(self, data):
        if not self.cell:
            return
        if self.cell[0] == "feature":
            self.features[self.feature] += data
        else:
            self.measures[self.measure]["values"][self.cell[1]] += data


def main():
    dom_path, report = sys.argv[1], sys.argv[2]
    synthetic = "--synthetic" in sys.argv[3:]
    d = Dom()
    with open(dom_path, encoding="utf-8") as f:
        d.feed(f.read())
    bad = []
    if d.body.get("data-images") != "ok":
        bad.append(f"images not all loaded: body data-images={d.body.get('data-images')!r} "
                   f"broken={d.body.get('data-images-broken')!r} (did the page's script run?)")
    if d.body.get("data-images-count") != str(len(d.imgs)):
        bad.append(f"the page's script counted {d.body.get('data-images-count')} images, the DOM has {len(d.imgs)}")
    if not any(s.startswith("figures/") for s in d.imgs):
        bad.append("no figure <img> (figures/*.png)")
    if not any(s.startswith("slices/") for s in d.imgs):
        bad.append("no slice <img> (slices/*.png)")
    for s in d.imgs:
        path = os.path.join(report, s)
        if os.path.isabs(s) or ".." in s.split("/") or not os.path.isfile(path):
            bad.append(f"<img src={s!r}> is not a file inside {report}")
        else:
            with open(path, "rb") as f:
                if f.read(8) != b"\x89PNG\r\n\x1a\n":
                    bad.append(f"{s} is not a PNG")
    for u in d.urls:
        if u.startswith(("http:", "https:", "//", "ftp:")):
            bad.append(f"network reference {u!r}")
    if d.links or d.scripts:
        bad.append(f"{d.links} <link> and {len(d.scripts)} external <script> (expected none)")
    for fid, name in FEATURES.items():
        if fid not in d.features:
            bad.append(f"comparison table lacks the row {fid}")
        elif name not in d.features[fid]:
            bad.append(f"row {fid} does not name '{name}': {d.features[fid][:60]!r}")
    if len(d.features) != len(FEATURES):
        bad.append(f"comparison table has {len(d.features)} feature rows, expected {len(FEATURES)}")
    if synthetic:
        no_direction = {"forming_surface_pct", "forming_teams"}
        absent = {("immune-environment", "il6"), ("immune-environment", "mast_cell")}
        for key, m in d.measures.items():
            verdict = m["verdicts"].get("1")
            if key in absent:
                if verdict != "na" or m["values"].get("1", "").strip() != "n/a":
                    bad.append(f"{key}: expected n/a for the postmenopausal run, got {m['values']} {verdict}")
            elif key[1] in no_direction:
                if verdict != "none":
                    bad.append(f"{key}: the seed gives no direction, yet the verdict is {verdict}")
            elif verdict != "agree":
                bad.append(f"{key}: measured direction does not agree with the seed ({verdict}; values {m['values']})")
        teams = d.measures.get(("osteoclast-activity", "resorbing_teams_per_mm2"), {}).get("values", {})
        if teams.get("0", "").strip() != "1.5" or teams.get("1", "").strip() != "3":
            bad.append(f"active osteoclast teams per mm^2: expected 1.5 and 3, got {teams}")
        if len(d.measures) < 30:
            bad.append(f"only {len(d.measures)} measures in the table")
    for b in bad:
        print(f"FAILED: {b}")
    if not bad:
        print(f"ok: {len(d.imgs)} images loaded, {len(d.features)} feature rows, {len(d.measures)} measures")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

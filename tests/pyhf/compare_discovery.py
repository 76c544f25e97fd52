#!/usr/bin/env python3
"""Compare the hfx CLI with the pyhf references of tests/pyhf/gen_discovery_reference.py
(tests/data/reference/discovery_<analysis>.jsonl.gz) and with the ATLAS S95 values
(scan-configs/data/*/reference/checkmate2_*_ref.dat). Prints one row per model: CLs at mu = 1
(largest relative difference over obs + 5 expected), the five fits' twice_nll (hfx - pyhf),
upper limits (largest relative difference), and mu_UL obs / exp median next to ATLAS S95.

usage: tests/pyhf/compare_discovery.py [--hfx build/hfx] [--ref-dir DIR] [ANALYSIS...]
Needs only python3 (no pyhf): the widened-bound models (records with "wide") are written to a
temporary directory and given to hfx as plain workspaces.
"""
import argparse
import copy
import gzip
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "scan-configs", "data")
S95 = {  # analysis -> (ref file, model name -> ref name)
    "SS3L": ("ATLAS-SUSY-2018-09_SS3L/reference/checkmate2_atlas_1909_08457_ref.dat", lambda m: m),
    "0Ljets": ("ATLAS-SUSY-2018-22_0Ljets/reference/checkmate2_atlas_2010_14293_ref.dat",
               lambda m: m if m.startswith("BDT") else "SR-" + m[2:4] + m[4:]),
    "DVmuon": ("ATLAS-SUSY-2018-33_DVmuon/reference/checkmate2_atlas_2003_11956_ref.dat",
               lambda m: {"SRMET": "MET", "SRMU": "Muon"}[m]),
}


def load(p):
    with (gzip.open if p.endswith(".gz") else open)(p, "rt") as f:
        return json.load(f)


def s95_table(analysis):
    if analysis not in S95:
        return {}
    f, _ = S95[analysis]
    rows = [l.split() for l in open(os.path.join(DATA, f)) if l.strip()]
    head = rows[0]
    out = {}
    for r in rows[1:]:
        d = dict(zip(head, r))
        out[r[0]] = (float(d["S95_obs"]), float(d["S95_exp"]))
    return out


def hfx(exe, args):
    p = subprocess.run([exe] + args, capture_output=True, text=True)
    if p.returncode != 0:
        if p.stdout.strip():  # a result with a warning (e.g. a fit that did not converge)
            print(f"  ({' '.join(args[:1])}: exit {p.returncode}: {p.stderr.strip().splitlines()[-1]})", file=sys.stderr)
            return json.loads(p.stdout)
        raise RuntimeError(" ".join(args) + ": " + p.stderr)
    return json.loads(p.stdout)


def rel(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return float("nan")
    return abs(a - b) / max(abs(b), 1e-300)


def cls_diff(obs, exp, ref_obs, ref_exp):
    """largest difference in units of the criterion (1e-4 relative, 1e-8 absolute below 1e-4)"""
    worst = 0.0
    for a, b in zip([obs] + exp, [ref_obs] + ref_exp):
        worst = max(worst, abs(a - b) / (1e-4 * abs(b)) if abs(b) >= 1e-4 else abs(a - b) / 1e-8)
    return worst


def widen(spec, up):
    spec = copy.deepcopy(spec)
    for m in spec["measurements"]:
        poi = m["config"]["poi"]
        for p in m["config"]["parameters"]:
            if p["name"] == poi:
                p["bounds"] = [[0.0, up]]
                break
        else:
            m["config"]["parameters"].append({"name": poi, "bounds": [[0.0, up]]})
    return spec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hfx", default=os.path.join(ROOT, "build", "hfx"))
    ap.add_argument("--ref-dir", default=os.path.join(ROOT, "tests", "data", "reference"))
    ap.add_argument("analyses", nargs="*", default=["SS3L", "0Ljets", "DVmuon", "2Ljets", "displaced"])
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hfx_discovery_")
    print("| analysis | model | CLs(mu=1) max diff [1e-4 rel] | max twice_nll hfx-pyhf (5 fits) | UL max rel diff "
          "| hfx UL obs / exp | pyhf UL obs / exp | ATLAS S95 obs / exp |")
    print("|---|---|---|---|---|---|---|---|")
    for an in a.analyses:
        path = None
        for ext in (".jsonl.gz", ".jsonl"):
            if os.path.exists(os.path.join(a.ref_dir, f"discovery_{an}{ext}")):
                path = os.path.join(a.ref_dir, f"discovery_{an}{ext}")
                break
        if path is None:
            print(f"| {an} | (no reference) |")
            continue
        op = gzip.open if path.endswith(".gz") else open
        recs = [json.loads(l) for l in op(path, "rt") if l.strip()]
        s95 = s95_table(an)
        for r in recs:
            base = [os.path.join(DATA, r["workspace"])]
            if r["patchset"]:
                base += ["--patchset", os.path.join(DATA, r["patchset"]), "--patch", r["patch"]]
            poi = r["poi"]
            c = hfx(a.hfx, ["cls"] + base + ["--mu", "1"])
            d_cls = cls_diff(c["CLs_obs"], c["CLs_exp"], r["cls_obs"], r["cls_exp"])
            fits = {"free": [], "fixed_mu": ["--fix", f"{poi}=1"], "asimov_data": ["--fix", f"{poi}=0"],
                    "asimov_free": ["--asimov", "0"], "asimov_fixed_mu": ["--asimov", "0", "--fix", f"{poi}=1"]}
            dn = {}
            for k, extra in fits.items():
                fr = hfx(a.hfx, ["fit"] + base + extra + ["--json"])
                dn[k] = fr["twice_nll"] - r["twice_nll"][k]
            worst_nll = max(dn.items(), key=lambda kv: abs(kv[1]))
            ul = hfx(a.hfx, ["limit"] + base)
            note = ""
            if "ul_not_computed" in r:
                print(f"| {an} | {r['model']} | {d_cls:.2g} | {worst_nll[1]:+.1e} ({worst_nll[0]}) | (no pyhf limits) "
                      f"| {ul['obs']:.3f} / {ul['exp'][2]:.3f} | | |", flush=True)
                continue
            if "ul_obs" in r:
                ref_ul = (r["ul_obs"], r["ul_exp"])
            else:
                w = r["wide"]
                ref_ul = (w["ul_obs"], w["ul_exp"])
                note = " (pyhf: widened POI bounds; hfx: published model, bracket beyond the bound)"
                # the widened model itself, as pyhf ran it
                spec = load(os.path.join(DATA, r["workspace"]))
                if r["patchset"]:
                    out = os.path.join(tmp, r["model"] + "_patched.json")
                    subprocess.run([a.hfx, "patchset", "apply", os.path.join(DATA, r["workspace"]),
                                    os.path.join(DATA, r["patchset"]), "--name", r["patch"], "--out", out],
                                   check=True, capture_output=True)
                    spec = load(out)
                wpath = os.path.join(tmp, r["model"] + "_wide.json")
                json.dump(widen(spec, w["poi_bounds"][1]), open(wpath, "w"))
                cw = hfx(a.hfx, ["cls", wpath, "--mu", "1"])
                uw = hfx(a.hfx, ["limit", wpath])
                d_wcls = cls_diff(cw["CLs_obs"], cw["CLs_exp"], w["cls_obs"], w["cls_exp"])
                d_wul = max(rel(x, y) for x, y in zip([uw["obs"]] + uw["exp"], [w["ul_obs"]] + w["ul_exp"]))
                note += f"; widened model in hfx: CLs diff {d_wcls:.2g}, UL rel diff {d_wul:.1e}"
            d_ul = max(rel(x, y) for x, y in zip([ul["obs"]] + ul["exp"], [ref_ul[0]] + ref_ul[1]))
            atlas = ""
            if s95:
                key = S95[an][1](r["model"])
                if key in s95:
                    atlas = f"{s95[key][0]:g} / {s95[key][1]:g}"
            print(f"| {an} | {r['model']} | {d_cls:.2g} | {worst_nll[1]:+.1e} ({worst_nll[0]}) | {d_ul:.1e}{note} "
                  f"| {ul['obs']:.3f} / {ul['exp'][2]:.3f} | {ref_ul[0]:.3f} / {ref_ul[1][2]:.3f} | {atlas} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())

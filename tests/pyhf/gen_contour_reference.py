#!/usr/bin/env python3
"""Reference exclusion contours for tests/test_contour.cpp, made with matplotlib's tricontour.

Input: a committed hfx scan output (JSON lines, gzip), e.g. ATLAS sbottom region A with
limits (`hfx scan --config scan-configs/sbottom_RegionA.json --limits`). For the slice
m_chi1 = 60 (x = m_sbottom, y = m_chi2), every curve (obs, exp_m2 .. exp_p2) is contoured
the way analyses usually do it: matplotlib.tri.Triangulation of the points as they are
(qhull Delaunay; matplotlib only subtracts the mean, it does not rescale the axes), the
log10 of the quantity interpolated linearly on the triangles, tricontour at log10(level).
Quantities: CLs at 0.05 and, when the scan has limits, mu_UL at 1.

Usage: python3 tests/pyhf/gen_contour_reference.py tests/data/contour/sbottom_RegionA.jsonl.gz \
           tests/data/contour/sbottom_RegionA_m_chi1_60_mpl.json
(python3 with matplotlib: pip install matplotlib, or Debian python3-matplotlib.)
"""
import gzip
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.tri as mtri  # noqa: E402

CURVES = [("obs", None), ("exp_m2", 0), ("exp_m1", 1), ("exp", 2), ("exp_p1", 3), ("exp_p2", 4)]
X, Y, WHERE = "m_sbottom", "m_chi2", {"m_chi1": 60.0}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def contours(points, key_obs, key_exp, level, triangles=None):
    out = {}
    for name, idx in CURVES:
        xs, ys, zs = [], [], []
        for r in points:
            v = r.get(key_obs) if idx is None else (r.get(key_exp) or [None] * 5)[idx]
            if v is None or not math.isfinite(v) or v <= 0:
                continue
            xs.append(r["values"][X])
            ys.append(r["values"][Y])
            zs.append(math.log10(v))
        tri = mtri.Triangulation(xs, ys)
        if triangles is not None and name == "obs":
            triangles.extend(tri.triangles.tolist())
        fig, ax = plt.subplots()
        cs = ax.tricontour(tri, zs, levels=[math.log10(level)])
        out[name] = [[[float(px), float(py)] for px, py in seg] for seg in cs.allsegs[0]]
        plt.close(fig)
    return out


def main(src, dst):
    recs = load(src)
    ok = [r for r in recs if "error" not in r]
    pts = [r for r in ok if all(abs(r["values"][k] - v) < 1e-9 for k, v in WHERE.items())]
    ref = {
        "source": src.split("/")[-1],
        "tool": f"matplotlib {matplotlib.__version__} tri.Triangulation + tricontour on log10 values",
        "x": X, "y": Y, "where": WHERE, "n_points": len(pts), "n_failed": len(recs) - len(ok),
    }
    triangles = []
    ref["cls"] = {"level": 0.05, "contours": contours(pts, "CLs_obs", "CLs_exp", 0.05, triangles)}
    # matplotlib's (qhull's) triangles of the CLs points, as indices into the slice's points
    # in file order: the tracing can be checked on the very same triangles.
    ref["cls"]["triangles"] = triangles
    if any("UL_obs" in r for r in pts):
        ref["ul"] = {"level": 1.0, "contours": contours(pts, "UL_obs", "UL_exp", 1.0)}
    with open(dst, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"{dst}: {len(pts)} points, " +
          ", ".join(f"{k} {len(v)} lines" for k, v in ref["cls"]["contours"].items()))


if __name__ == "__main__":
    main(*sys.argv[1:3])

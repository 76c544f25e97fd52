#!/usr/bin/env python3
"""Generate fixtures for host/limits.cpp (tests/test_limits.cpp) with scipy, numpy and pyhf 0.7.6.

1. "toms748": scipy.optimize.toms748 on analytic functions (evaluated with Python's math
   module, i.e. the same libm as the C++ test, so both see bit-identical function values)
   for several k / xtol / rtol / maxiter; records root, function_calls, iterations and
   flag, or the exception scipy raises.
2. "interp": numpy.interp(x, xp, fp) for sorted, unsorted, tied and NaN-holding xp.
3. "scan": pyhf's toms748_scan and linear_grid_scan (and upper_limit once), with the
   `hypotest` they call (pyhf.infer.intervals.upper_limits.hypotest) replaced by synthetic
   monotone or bumpy CLs(mu) curves (formulas below, mirrored in the C++ test), so the
   whole bracket logic (halving, doubling, cache, best_bracket) is pyhf's. Records the
   limits, the cache keys in insertion order, or the exception pyhf raises.

usage: source /work/shared/tools/setup_pyhf.sh
       $PYHF_PY tests/pyhf/gen_limits_fixtures.py
Output: tests/data/pyhf/asymptotics/limits.json.gz
"""
import gzip
import json
import math
import os
import random
import types

import numpy as np
import pyhf
import pyhf.infer.intervals.upper_limits as upper_limits
import scipy
from scipy.optimize import toms748

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "pyhf", "asymptotics")
pyhf.set_backend("numpy")


def enc(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


# ---- 1. toms748 ---------------------------------------------------------------------------
# Each function: name -> f(x). The C++ test implements the same names.
FUNCS = {
    "cubic": lambda x: x * x * x - 1.0,
    "exp": lambda x: math.exp(x) - 2.0,
    "sin": lambda x: math.sin(x) - 0.5,
    "atan_steep": lambda x: math.atan(1000.0 * (x - 0.3)),
    "quintic_flat": lambda x: (x - 0.7) ** 5,
    "log": lambda x: math.log(x),
    "tanh": lambda x: math.tanh(50.0 * (x - 0.123)),
    "cls_like": lambda x: 0.5 * math.erfc((x - 2.0) / math.sqrt(2.0)) - 0.05,
    "x9": lambda x: x ** 9 - 1e-3,
    "lin_tiny": lambda x: 1e-200 * (x - 0.25),
    "decreasing": lambda x: math.exp(-x) - 0.05,
}
INTERVALS = {
    "cubic": [(0.0, 4.0), (-1.0, 1.5), (0.99, 10.0)],
    "exp": [(-1.0, 3.0), (0.0, 1.0)],
    "sin": [(0.0, 1.5), (0.4, 0.6)],
    "atan_steep": [(0.0, 1.0), (-5.0, 7.0)],
    "quintic_flat": [(0.0, 2.0), (-3.0, 1.0)],
    "log": [(0.5, 5.0), (1e-3, 1e3)],
    "tanh": [(0.0, 1.0), (-10.0, 10.0)],
    "cls_like": [(0.0, 10.0), (3.0, 5.0), (0.0, 100.0)],
    "x9": [(0.0, 1.0), (-0.5, 3.0)],
    "lin_tiny": [(0.0, 1.0)],
    "decreasing": [(0.0, 5.0), (0.0, 100.0)],
}
SETTINGS = [
    dict(k=1),
    dict(k=2),
    dict(k=3),
    dict(k=2, xtol=2e-12, rtol=1e-4),
    dict(k=2, xtol=1e-6),
    dict(k=1, rtol=1e-10),
    dict(k=2, maxiter=2),
]


def gen_toms748():
    cases = []
    for name, f in FUNCS.items():
        for a, b in INTERVALS[name]:
            for s in SETTINGS:
                case = {"func": name, "a": a, "b": b, **s}
                try:
                    root, r = toms748(f, a, b, full_output=True, **s)
                    case.update(root=enc(root), function_calls=r.function_calls,
                                iterations=r.iterations, flag=r.flag)
                except ValueError as e:
                    case.update(error="ValueError", message=str(e))
                except RuntimeError as e:
                    case.update(error="RuntimeError", message=str(e))
                cases.append(case)
    # errors: no sign change; invalid interval
    for name, a, b in [("cubic", 2.0, 3.0), ("cubic", 3.0, 2.0), ("exp", 1.0, 1.0)]:
        case = {"func": name, "a": a, "b": b, "k": 1}
        try:
            toms748(FUNCS[name], a, b, k=1)
            case["error"] = None
        except ValueError as e:
            case.update(error="ValueError", message=str(e))
        cases.append(case)
    return cases


# ---- 2. numpy.interp -------------------------------------------------------------------------
def gen_interp():
    rng = random.Random(20261204)
    cases = []
    for n in [1, 2, 3, 4, 5, 6, 9, 12, 20, 40]:
        for kind in ["sorted", "unsorted", "ties", "nan", "desc"]:
            xp = [rng.uniform(-1, 2) for _ in range(n)]
            if kind in ("sorted", "ties", "nan"):
                xp.sort()
            if kind == "desc":
                xp.sort(reverse=True)
            if kind == "ties" and n > 2:
                xp[n // 2] = xp[n // 2 - 1]
            if kind == "nan" and n > 1:
                xp[rng.randrange(n)] = float("nan")
            fp = [rng.uniform(-5, 5) for _ in range(n)]
            xs = [rng.uniform(-1.5, 2.5) for _ in range(6)] + [xp[0], xp[-1], xp[n // 2], float("nan")]
            for x in xs:
                cases.append({"x": enc(x), "xp": [enc(v) for v in xp], "fp": fp,
                              "result": enc(np.interp(x, xp, fp))})
    return cases


# ---- 3. pyhf toms748_scan / linear_grid_scan with synthetic hypotest ----------------------
# Curves (six per family: observed, then the expected band in pyhf's order):
#   "exp":      v_i(mu) = exp(-mu / p[i])
#   "erfc":     v_i(mu) = 0.5 * erfc((mu - p[i]) / q[i])
#   "rational": v_i(mu) = 1 / (1 + (mu / p[i]) ** q[i])
#   "bump":     v_i(mu) = exp(-mu / p[i]) + q[i] * exp(-((mu - 3) / 0.5) ** 2)
def curve(family, p, q, i, mu):
    mu = float(mu)
    if family == "exp":
        return math.exp(-mu / p[i])
    if family == "erfc":
        return 0.5 * math.erfc((mu - p[i]) / q[i])
    if family == "rational":
        return 1.0 / (1.0 + (mu / p[i]) ** q[i])
    if family == "bump":
        return math.exp(-mu / p[i]) + q[i] * math.exp(-(((mu - 3.0) / 0.5) ** 2))
    raise ValueError(family)


def fake_hypotest_for(family, p, q, calls):
    def fake(poi, data, model, return_expected_set=False, **kwargs):
        calls.append(float(poi))
        vals = [curve(family, p, q, i, poi) for i in range(6)]
        return np.asarray(vals[0]), [np.asarray(v) for v in vals[1:]]
    return fake


SCAN_CASES = [
    # family, p, q, bounds_low, bounds_up, level, rtol
    ("exp", [1.0, 0.5, 0.7, 1.0, 1.4, 2.0], None, 0.0, 10.0, 0.05, 1e-4),
    ("exp", [1.0, 0.5, 0.7, 1.0, 1.4, 2.0], None, 0.0, 10.0, 0.05, 1e-8),
    ("exp", [1.0, 0.5, 0.7, 1.0, 1.4, 2.0], None, 0.0, 10.0, 0.1, 1e-4),
    ("exp", [3.0, 2.0, 2.5, 3.1, 4.0, 5.0], None, 0.0, 1.0, 0.05, 1e-4),    # doubling
    ("exp", [0.05, 0.03, 0.04, 0.05, 0.06, 0.08], None, 0.5, 10.0, 0.05, 1e-4),  # halving
    ("exp", [0.05, 0.03, 0.04, 0.05, 0.06, 0.08], None, 3.0, 4.0, 0.05, 1e-4),   # both
    ("erfc", [2.0, 1.0, 1.5, 2.0, 2.7, 3.5], [0.8, 0.5, 0.6, 0.8, 1.0, 1.3], 0.0, 5.0, 0.05, 1e-4),
    ("erfc", [20.0, 12.0, 15.0, 20.0, 26.0, 33.0], [5.0, 4.0, 4.5, 5.0, 6.0, 7.0], 0.0, 10.0, 0.05, 1e-4),
    ("rational", [1.0, 0.4, 0.6, 0.9, 1.3, 1.8], [3.0, 3.0, 3.0, 3.0, 3.0, 3.0], 0.0, 10.0, 0.05, 1e-4),
    ("rational", [1.0, 0.4, 0.6, 0.9, 1.3, 1.8], [1.5, 2.0, 2.5, 3.0, 3.5, 4.0], 0.1, 2.0, 0.05, 1e-4),
    ("bump", [0.7, 0.5, 0.6, 0.7, 0.8, 0.9], [0.2, 0.0, 0.1, 0.2, 0.3, 0.4], 0.0, 10.0, 0.05, 1e-4),
    ("bump", [0.7, 0.5, 0.6, 0.7, 0.8, 0.9], [0.2, 0.0, 0.1, 0.2, 0.3, 0.4], 0.0, 2.5, 0.05, 1e-4),
]

GRIDS = [
    [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0],
    list(np.linspace(0, 5, 21)),
    [0.0, 0.1, 0.2],         # no crossing: clamps to the last point
    [10.0, 20.0, 30.0],      # below level everywhere: clamps to the first point
    [1.0],
]


def gen_scans():
    out = []
    saved = upper_limits.hypotest
    try:
        for family, p, q, lo, up, level, rtol in SCAN_CASES:
            calls = []
            upper_limits.hypotest = fake_hypotest_for(family, p, q, calls)
            case = {"family": family, "p": p, "q": q, "bounds_low": lo, "bounds_up": up,
                    "level": level, "rtol": rtol, "atol": 2e-12}
            try:
                obs, exp, (keys, _vals) = upper_limits.toms748_scan(
                    None, None, lo, up, level=level, rtol=rtol, from_upper_limit_fn=True)
                case.update(obs=enc(obs), exp=[enc(e) for e in exp],
                            cache_mu=[float(k) for k in keys], n_calls=len(calls))
            except ValueError as e:
                case.update(error="ValueError", message=str(e),
                            cache_mu=None, n_calls=len(calls))
            out.append(case)
        grids = []
        for family, p, q, lo, up, level, rtol in SCAN_CASES:
            for g in GRIDS:
                calls = []
                upper_limits.hypotest = fake_hypotest_for(family, p, q, calls)
                obs, exp = upper_limits.linear_grid_scan(None, None, np.asarray(g), level=level)
                grids.append({"family": family, "p": p, "q": q, "scan": [float(x) for x in g],
                              "level": level, "obs": enc(obs), "exp": [enc(e) for e in exp]})
        # pyhf's upper_limit (scan=None): bracket from the POI's suggested bounds; its `level`
        # is not passed on to toms748_scan, so level=0.1 still gives the 0.05 limits.
        family, p, q = SCAN_CASES[0][:3]
        upper_limits.hypotest = fake_hypotest_for(family, p, q, [])
        fake_model = types.SimpleNamespace(config=types.SimpleNamespace(
            suggested_bounds=lambda: [[0.0, 10.0]], poi_name="mu",
            par_slice=lambda name: slice(0, 1)))
        obs, exp = upper_limits.upper_limit(None, fake_model, level=0.1)
        upper = {"family": family, "p": p, "q": q, "bounds": [0.0, 10.0], "level_arg": 0.1,
                 "obs": enc(obs), "exp": [enc(e) for e in exp]}
    finally:
        upper_limits.hypotest = saved
    return out, grids, upper


def main():
    os.makedirs(OUT, exist_ok=True)
    scans, grids, upper = gen_scans()
    doc = {
        "generator": "tests/pyhf/gen_limits_fixtures.py",
        "pyhf_version": pyhf.__version__, "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "toms748": gen_toms748(),
        "interp": gen_interp(),
        "toms748_scan": scans,
        "linear_grid_scan": grids,
        "upper_limit": upper,
    }
    path = os.path.join(OUT, "limits.json.gz")
    text = json.dumps(doc, separators=(",", ":")) + "\n"
    with open(path, "wb") as raw:  # mtime=0: the same inputs give the same bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(text.encode())
    print(f"wrote {path}: {len(doc['toms748'])} toms748, {len(doc['interp'])} interp, "
          f"{len(scans)} toms748_scan, {len(grids)} linear_grid_scan cases")
    for s in scans:
        print(" ", s["family"], s["bounds_low"], s["bounds_up"], s.get("obs"), s.get("error"),
              s["n_calls"], s.get("cache_mu") and len(s["cache_mu"]))


if __name__ == "__main__":
    main()

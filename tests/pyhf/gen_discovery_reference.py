#!/usr/bin/env python3
"""pyhf 0.7.6 references for the discovery (model-independent, unit test signal) models of the
bundled ATLAS analyses that tests/test_validation_pyhf.cpp does not cover:

  ATLAS-SUSY-2018-09_SS3L   5 SRs:  <SR>_BkgOnly.json + discovery_patches/<SR>_discovery_patchset.DERIVED.json
  ATLAS-SUSY-2018-22_0Ljets 18 SRs: <SR>_bkgonly.json + discovery_patches/<SR>_discovery_patchset.DERIVED.json
  ATLAS-SUSY-2018-33_DVmuon 2 SRs:  <SR>_bkgonly.json + discovery_patches/<SR>_discovery_patchset.DERIVED.json
  ATLAS-SUSY-2018-05_2Ljets 20 published discovery workspaces discovery/*_bkg.json.gz (they already
                            hold the unit signal DiscoveryMode_Discovery, POI mu_Discovery; no patchset)
  ATLAS-SUSY-2018-14_displaced-leptons: no patchset; the two bayesian_pyhf workspaces hold a signal
                            sample (Slep_1000_10, POI mu_Sig) and are validated as they are.

Per model the numbers come from /work/shared/tools/pyhf_reference.py's one() (imported, not copied:
free fit twice_nll_hat and muhat, hypotest at mu = 1 with qtilde: cls_obs, cls_exp), with the
optimizer set as that tool sets it (numpy backend, scipy SLSQP, tolerance 1e-10), plus:
  * twice_nll of every fit of pyhf's AsymptoticCalculator at mu = 1 (same calls as pyhf:
    fixed_poi_fit / fit with the model's suggested inits and bounds), for diagnosing differences:
    twice_nll = {free, fixed_mu, asimov_data (mu = 0 fit that makes the Asimov data),
    asimov_free, asimov_fixed_mu}, the names hfx's scan records use;
  * pyhf.infer.intervals.upper_limits.upper_limit(data, model) (TOMS748, the bracket from the POI's
    bounds, as the tool's --limits): ul_obs, ul_exp, or ul_error where pyhf raised;
  * where pyhf raised (its bracket doubled past the POI's upper bound; pyhf 0.7.6 refuses a fixed
    POI outside its bounds) the same record again for the model with the POI's bounds set to
    [0, WIDE_UP] in the measurement config (widened from 10; for 2Ljets ewk_* narrowed from 1e30,
    where pyhf's bracket would start at 1e30): "wide": {poi_bounds, muhat, twice_nll_hat, cls_obs,
    cls_exp, ul_obs, ul_exp, ul_bracket}. The unit signal has no natural bound (ATLAS S95 values
    reach ~250). The wide limit is pyhf's toms748_scan with the bracket upper_limit takes (the
    published POI bounds, capped at WIDE_UP; pyhf doubles bounds_up from there), or with the lower
    end WIDE_LOW where CLs(0) is NaN and scipy's toms748 refuses it (see wide_limits()).

usage: source /work/shared/tools/setup_pyhf.sh
       "$PYHF_PY" tests/pyhf/gen_discovery_reference.py --analysis SS3L --out /tmp/discovery_SS3L.jsonl
       (resumable: finished models are skipped; --only A,B for some models; --no-limits for fits and
       CLs only, as 12 of the 2Ljets records were made) then gzip -n into tests/data/reference/.
"""
import argparse
import copy
import gzip
import json
import math
import os
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "scan-configs", "data")
TOOLS = os.environ.get("HFX_PYHF_TOOLS", "/work/shared/tools")
sys.path.insert(0, TOOLS)
import pyhf  # noqa: E402
import pyhf_reference as T  # noqa: E402

TOLERANCE = 1e-10
WIDE_UP = 1000.0
WIDE_LOW = 0.01
HUGE_BOUND = 1e5
MU = 1.0

SS3L = ["Rpc2L0b", "Rpc2L1b", "Rpc2L2b", "Rpc3LSS1b", "Rpv2L"]
ZEROL = ["BDT-GGd1", "BDT-GGd2", "BDT-GGd3", "BDT-GGd4", "BDT-GGo1", "BDT-GGo2", "BDT-GGo3", "BDT-GGo4",
         "SR2j-1600", "SR2j-2200", "SR2j-2800", "SR4j-1000", "SR4j-2200", "SR4j-3400", "SR5j-1600",
         "SR6j-1000", "SR6j-2200", "SR6j-3400"]
DVMU = ["SRMET", "SRMU"]
TWOL = ["ewk_high", "ewk_int", "ewk_llbb", "ewk_low", "ewk_offshell", "rjr_sr2l_isr", "rjr_sr2l_low",
        "str_src_12_31", "str_src_12_61", "str_src_31_81", "str_src_81", "str_srhigh_12_301", "str_srhigh_301",
        "str_srlow_101_201", "str_srlow_101_301", "str_srlow_12_81", "str_srlow_301", "str_srmed_101",
        "str_srmed_12_101", "str_srzhigh", "str_srzlow", "str_srzmed"]
DISPL = ["SRee_SRmm_Srem", "SRee_SRmm_Srem_v2"]


def memoize_fits():
    """pyhf's hypotest refits the three mu-independent fits (free fit to data, mu = 0 fit that
    makes the Asimov data, free fit to the Asimov data) at every POI value of the limit search.
    The fits are deterministic functions of their arguments, so caching them by exact argument
    values returns bit-identical results: pyhf's numbers, ~2.5x faster limits. Only calls with
    identical model object, data bytes, inits, bounds, fixed flags and options hit the cache."""
    import pyhf.infer.calculators as calculators
    import pyhf.infer.mle as mle
    import pyhf.infer.test_statistics as ts
    import numpy as np
    cache, models = {}, {}

    def key(name, args, kwargs):
        out = [name]
        for x in list(args) + sorted(kwargs.items()):
            if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str):
                out.append(x[0])
                x = x[1]
            if isinstance(x, pyhf.pdf.Model):
                models[id(x)] = x  # keep it alive: ids are not reused while cached
                out.append(("model", id(x)))
            elif x is None or isinstance(x, (bool, int, float, str)):
                out.append(x)
            else:
                a = np.asarray(x)
                out.append((a.dtype.str, a.shape, a.tobytes()))
        return tuple(out)

    def wrap(name, f):
        def g(*args, **kwargs):
            k = key(name, args, kwargs)
            if k not in cache:
                cache[k] = f(*args, **kwargs)
            r = cache[k]
            return tuple(np.array(x, copy=True) for x in r) if isinstance(r, tuple) else np.array(r, copy=True)
        return g

    fit, fixed = wrap("fit", mle.fit), wrap("fixed_poi_fit", mle.fixed_poi_fit)
    ts.fit, ts.fixed_poi_fit, calculators.fixed_poi_fit = fit, fixed, fixed


def cases(analysis):
    """(name, workspace relative to scan-configs/data, patchset or None)"""
    if analysis == "SS3L":
        a = "ATLAS-SUSY-2018-09_SS3L/"
        return [(s, a + s + "_BkgOnly.json" + ("" if s == "Rpc3LSS1b" else ".gz"),
                 a + "discovery_patches/" + s + "_discovery_patchset.DERIVED.json") for s in SS3L]
    if analysis == "0Ljets":
        a = "ATLAS-SUSY-2018-22_0Ljets/"
        return [(s, a + s + "_bkgonly.json.gz", a + "discovery_patches/" + s + "_discovery_patchset.DERIVED.json")
                for s in ZEROL]
    if analysis == "DVmuon":
        a = "ATLAS-SUSY-2018-33_DVmuon/"
        return [(s, a + s + "_bkgonly.json", a + "discovery_patches/" + s + "_discovery_patchset.DERIVED.json")
                for s in DVMU]
    if analysis == "2Ljets":
        a = "ATLAS-SUSY-2018-05_2Ljets/discovery/"
        return [(s, a + s + "_bkg.json.gz", None) for s in TWOL]
    if analysis == "displaced":
        a = "ATLAS-SUSY-2018-14_displaced-leptons/bayesian_pyhf/"
        return [(s, a + s + ".json", None) for s in DISPL]
    raise SystemExit("unknown analysis " + analysis)


def fin(x):
    x = float(x)
    return x if math.isfinite(x) else str(x)


def fits(ws):
    """twice_nll of the five fits of pyhf's AsymptoticCalculator (qtilde, mu = MU)."""
    model = ws.model()
    data = ws.data(model)
    init, bounds, fixed = model.config.suggested_init(), model.config.suggested_bounds(), model.config.suggested_fixed()
    mle = pyhf.infer.mle
    out = {}
    _, out["free"] = mle.fit(data, model, init, bounds, fixed, return_fitted_val=True)
    _, out["fixed_mu"] = mle.fixed_poi_fit(MU, data, model, init, bounds, fixed, return_fitted_val=True)
    pars_a, out["asimov_data"] = mle.fixed_poi_fit(0.0, data, model, init, bounds, fixed, return_fitted_val=True)
    asimov = model.expected_data(pars_a)
    _, out["asimov_free"] = mle.fit(asimov, model, init, bounds, fixed, return_fitted_val=True)
    _, out["asimov_fixed_mu"] = mle.fixed_poi_fit(MU, asimov, model, init, bounds, fixed, return_fitted_val=True)
    return {k: fin(v) for k, v in out.items()}


def limits(ws, rec):
    model = ws.model()
    data = ws.data(model)
    t0 = time.perf_counter()
    try:
        obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model)
        rec["ul_obs"] = fin(obs)
        rec["ul_exp"] = [fin(x) for x in exp]
    except Exception as e:  # noqa: BLE001 - recorded, as the tool records a failed patch
        rec["ul_error"] = f"{type(e).__name__}: {e}"
    rec["t_upper_limit_s"] = time.perf_counter() - t0


def wide_limits(ws, rec, bracket):
    """pyhf's toms748_scan (what upper_limit runs) with the bracket upper_limit would take, the
    published POI bounds: pyhf doubles bounds_up until every curve is below 0.05, now that the
    widened bounds let it fix the POI there. Where scipy's toms748 raises because CLs(0) is NaN
    (q_A = 0 at mu = 0 makes pyhf's CLs 0/0), the same with bounds_low = WIDE_LOW ("ul_bracket"
    records the bracket given to toms748_scan; pyhf halves bounds_low if needed)."""
    model = ws.model()
    data = ws.data(model)
    t0 = time.perf_counter()
    lo, hi = bracket
    try:
        obs, exp = pyhf.infer.intervals.upper_limits.toms748_scan(data, model, lo, hi)
    except ValueError as e:
        if "nan" not in str(e):
            raise
        rec["ul_error_bracket_from_0"] = f"{type(e).__name__}: {e}"
        lo = WIDE_LOW
        obs, exp = pyhf.infer.intervals.upper_limits.toms748_scan(data, model, lo, hi)
    rec["ul_bracket"] = [lo, hi]
    rec["ul_obs"] = fin(obs)
    rec["ul_exp"] = [fin(x) for x in exp]
    rec["t_upper_limit_s"] = time.perf_counter() - t0


def widened(spec):
    spec = copy.deepcopy(spec)
    for m in spec["measurements"]:
        poi = m["config"]["poi"]
        for p in m["config"]["parameters"]:
            if p["name"] == poi:
                p["bounds"] = [[0.0, WIDE_UP]]
                break
        else:
            m["config"]["parameters"].append({"name": poi, "bounds": [[0.0, WIDE_UP]]})
    return spec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analysis", required=True, choices=["SS3L", "0Ljets", "DVmuon", "2Ljets", "displaced"])
    ap.add_argument("--only", default=None, help="comma-separated model names")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-limits", action="store_true", help="hypotest and fits only (no upper limits)")
    ap.add_argument("--no-memo", action="store_true", help="do not cache pyhf's mu-independent fits")
    a = ap.parse_args()
    # exactly what pyhf_reference.py does with --tolerance 1e-10
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=TOLERANCE))
    if not a.no_memo:
        memoize_fits()
    done = set()
    if os.path.exists(a.out):  # keep finished records (a failed widened limit is redone)
        keep = [json.loads(l) for l in open(a.out) if l.strip()]
        keep = [r for r in keep if "ul_error" not in r.get("wide", {})]
        with open(a.out, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in keep)
        done = {r["model"] for r in keep}
    for name, wsrel, psrel in cases(a.analysis):
        if name in done or (a.only and name not in a.only.split(",")):
            continue
        t0 = time.perf_counter()
        spec = T.load(os.path.join(DATA, wsrel))
        if psrel:
            ps = pyhf.PatchSet(T.load(os.path.join(DATA, psrel)))
            patch = ps.patches[0].name
            assert len(ps.patches) == 1
            ws = ps.apply(pyhf.Workspace(spec), patch)  # verifies the digest, like the tool
        else:
            patch = None
            ws = pyhf.Workspace(spec)
        rec = {"analysis": a.analysis, "model": name, "workspace": wsrel, "patchset": psrel}
        rec.update(T.one(ws, patch, MU, False))
        model = ws.model()
        rec["poi_bounds"] = [fin(x) for x in model.config.suggested_bounds()[model.config.poi_index]]
        rec["twice_nll"] = fits(ws)
        if a.no_limits:
            # time budget: pyhf's limits take 2-3 minutes per 2Ljets model on the 2-core machine
            rec["ul_not_computed"] = "generated with --no-limits"
        elif rec["poi_bounds"][1] > HUGE_BOUND:
            # 2Ljets ewk_*: POI bounds [0, 1e30]. pyhf's upper_limit starts its bracket at
            # mu = 1e30 and did not finish in 10 minutes on ewk_high (SLSQP fits with 1e30 signal
            # events); recorded as an error, the limit comes from the "wide" record (bounds
            # [0, WIDE_UP], bracket [0, WIDE_UP]).
            rec["ul_error"] = f"skipped: POI upper bound {rec['poi_bounds'][1]:g} > {HUGE_BOUND:g} (pyhf's bracket starts there)"
        else:
            limits(ws, rec)
        if "ul_error" in rec:
            wws = pyhf.Workspace(widened(dict(ws)))
            w = T.one(wws, patch, MU, False)
            wm = wws.model()
            wide = {"poi_bounds": [fin(x) for x in wm.config.suggested_bounds()[wm.config.poi_index]]}
            for k in ("muhat", "twice_nll_hat", "cls_obs", "cls_exp"):
                wide[k] = w[k]
            wide_limits(wws, wide, [rec["poi_bounds"][0], min(rec["poi_bounds"][1], WIDE_UP)])
            rec["wide"] = wide
        rec.update({"pyhf_version": pyhf.__version__, "tolerance": TOLERANCE, "t_total_s": time.perf_counter() - t0})
        with open(a.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(name, rec["cls_obs"], rec.get("ul_obs", rec.get("ul_error", "")[:60]),
              rec.get("wide", {}).get("ul_obs"), f"{rec['t_total_s']:.1f}s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

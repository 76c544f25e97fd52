#!/usr/bin/env python3
"""Generate pyhf 0.7.6 reference values for hfx's likelihood math (tests/test_interp.cpp,
tests/test_nll_pyhf.cpp).

usage: source /work/shared/tools/setup_pyhf.sh && $PYHF_PY tests/pyhf/gen_nll_fixtures.py

Writes tests/data/pyhf/nll/:
  interp_grid.json.gz  pyhf's tensorised interpolators (the classes pyhf's Model uses) for
                       every code on an alpha grid that includes +-1 exactly, just inside and
                       outside +-1, and +-5.
  cases.json.gz        per workspace: pyhf's par_order component names, ws.data(model) and,
                       at suggested_init and at 5 seeded random points, twice_nll
                       (pyhf.infer.mle.twice_nll) and model.expected_data(pars).
  patched/*.json.gz    patched workspaces (3 patches of each sbottom and staus region), so the
                       C++ test does not depend on patch code.

Cases: every distinct workspace under scan-configs/data (duplicates in orig/ skipped by
content), every workspace in tests/data/pyhf-validation/, the patched workspaces. All use
modifier_settings normsys code4 / histosys code4p (pyhf's defaults); the validation
workspaces are repeated with code1/code0 (pyhf's validation settings) and code1/code2 so
that every interpolation code is checked end to end. The settings are recorded per case.
A model whose measurement names a POI that the workspace lacks (background-only files)
is built with poi_name=None.

Random points: alphas (histosys/normsys parameters) uniform in [-2, 2]; other free
components uniform in [0.5, 1.5] x init; fixed components at init. Seeded per case from
the case name (crc32), so reruns give the same file. A point where some rate is negative
makes pyhf's twice_nll NaN (or inf): it is recorded with "twice_nll": null and hfx must
return +inf there.
"""
import glob
import gzip
import hashlib
import json
import os
import warnings
import zlib

import numpy as np
import pyhf

pyhf.set_backend("numpy")
warnings.filterwarnings("ignore")
np.seterr(all="ignore")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "pyhf", "nll")
PUBLISHED = os.path.join(ROOT, "scan-configs", "data")
VALIDATION = os.path.join(ROOT, "tests", "data", "pyhf-validation")
N_RANDOM = 5

DEFAULT_SETTINGS = {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}}
EXTRA_SETTINGS = [
    {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}},
    {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code2"}},
]


def load(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def write_gz(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
            g.write(data)


def interp_grid():
    alphas = [-5.0, -2.0, -1.5, -1.0 - 1e-9, -1.0, -1.0 + 1e-9, -0.7, -0.3, -1e-12, 0.0, 1e-12,
              0.2, 0.5, 0.9, 1.0 - 1e-9, 1.0, 1.0 + 1e-9, 1.3, 2.5, 5.0]
    triples_norm = [(0.8, 1.2), (0.9, 1.3), (1.1, 1.25), (0.5, 0.7), (0.97, 1.01)]
    triples_histo = [(8.0, 10.0, 13.0), (12.0, 10.0, 11.0), (0.0, 1.5, 2.5), (3.0, 4.0, 4.5),
                     (5.0, 5.0, 7.0)]
    a = pyhf.tensorlib.astensor([alphas])
    out = {"alpha": alphas, "normsys": [], "histosys": []}
    for code in ["code1", "code4"]:
        for lo, hi in triples_norm:
            interp = getattr(pyhf.interpolators, code)([[[[lo], [1.0], [hi]]]])
            vals = np.asarray(interp(a)).reshape(-1).tolist()
            out["normsys"].append({"code": code, "lo": lo, "hi": hi, "value": vals})
    for code in ["code0", "code2", "code4p"]:
        for lo, nom, hi in triples_histo:
            interp = getattr(pyhf.interpolators, code)([[[[lo], [nom], [hi]]]])
            vals = np.asarray(interp(a)).reshape(-1).tolist()
            out["histosys"].append({"code": code, "lo": lo, "nom": nom, "hi": hi, "value": vals})
    return out


def build_model(ws, settings):
    try:
        return ws.model(modifier_settings=settings), True
    except pyhf.exceptions.InvalidModel:
        return ws.model(modifier_settings=settings, poi_name=None), False


def comp_names(model):
    names = []
    for p in model.config.par_order:
        n = model.config.param_set(p).n_parameters
        names += [p] if n == 1 and model.config.param_set(p).is_scalar else [f"{p}[{i}]" for i in range(n)]
    return names


def points_for(model, name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    init = np.asarray(model.config.suggested_init(), dtype=float)
    fixed = model.config.suggested_fixed()
    mod_type = {}
    for mname, mtype in model.config.modifiers:
        mod_type.setdefault(mname, mtype)
    pts = [("suggested_init", init.copy())]
    for r in range(N_RANDOM):
        x = init.copy()
        for p in model.config.par_order:
            sl = model.config.par_slice(p)
            for i in range(sl.start, sl.stop):
                if fixed[i]:
                    continue
                if mod_type.get(p) in ("histosys", "normsys"):
                    x[i] = rng.uniform(-2.0, 2.0)
                else:
                    x[i] = init[i] * rng.uniform(0.5, 1.5)
        pts.append((f"random_{r}", x))
    return pts


def make_case(name, source, spec, settings):
    ws = pyhf.Workspace(spec)
    model, has_poi = build_model(ws, settings)
    data = np.asarray(ws.data(model), dtype=float)
    case = {
        "name": name,
        "source": source,
        "measurement": ws.get_measurement()["name"],
        "modifier_settings": settings,
        "poi": model.config.poi_name if has_poi else None,
        "comp_names": comp_names(model),
        "n_bins": int(model.config.nmaindata),
        "data": data.tolist(),
        "points": [],
    }
    for label, x in points_for(model, name):
        t = float(np.asarray(pyhf.infer.mle.twice_nll(x, data, model)).reshape(-1)[0])
        ed = np.asarray(model.expected_data(x), dtype=float)
        case["points"].append({
            "label": label,
            "pars": x.tolist(),
            "twice_nll": t if np.isfinite(t) else None,
            "expected_data": ed.tolist(),
        })
    return case


def published_workspaces():
    seen = set()
    for p in sorted(glob.glob(PUBLISHED + "/**/*.json*", recursive=True)):
        if "/reference/" in p:
            continue
        try:
            d = load(p)
        except Exception:
            continue
        if not isinstance(d, dict) or "channels" not in d:
            continue
        h = hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        yield os.path.relpath(p, PUBLISHED), d


def validation_workspaces():
    for p in sorted(glob.glob(VALIDATION + "/*.json")):
        d = load(p)
        if isinstance(d, dict) and "channels" in d:
            yield os.path.relpath(p, os.path.join(ROOT, "tests", "data")), d


PATCHED = [
    ("ATLAS-SUSY-2018-31_sbottom/RegionA", "patchset.DERIVED.json.gz"),
    ("ATLAS-SUSY-2018-31_sbottom/RegionB", "patchset.DERIVED.json.gz"),
    ("ATLAS-SUSY-2018-31_sbottom/RegionC", "patchset.DERIVED.json.gz"),
    ("ATLAS-SUSY-2018-04_staus/Region-combined", "patchset.json.gz"),
    ("ATLAS-SUSY-2018-04_staus/Region-highMass", "patchset.json.gz"),
    ("ATLAS-SUSY-2018-04_staus/Region-lowMass", "patchset.json.gz"),
]


def patched_workspaces():
    for region, psname in PATCHED:
        bkg = load(os.path.join(PUBLISHED, region, "BkgOnly.json.gz"))
        ps = pyhf.PatchSet(load(os.path.join(PUBLISHED, region, psname)))
        n = len(ps.patches)
        for i in sorted({0, n // 2, n - 1}):
            patch = ps.patches[i]
            spec = patch.apply(bkg)
            tag = region.split("/")[0].split("_")[-1] + "_" + region.split("/")[1] + "_" + patch.name
            rel = f"pyhf/nll/patched/{tag}.json.gz"
            write_gz(os.path.join(ROOT, "tests", "data", rel), spec)
            yield tag, rel, spec


def main():
    os.makedirs(OUT, exist_ok=True)
    write_gz(os.path.join(OUT, "interp_grid.json.gz"), interp_grid())
    cases = []
    for rel, spec in published_workspaces():
        cases.append(make_case("published/" + rel, {"published": rel}, spec, DEFAULT_SETTINGS))
    for rel, spec in validation_workspaces():
        cases.append(make_case(rel, {"data": rel}, spec, DEFAULT_SETTINGS))
        kinds = {m["type"] for c in spec["channels"] for s in c["samples"] for m in s["modifiers"]}
        if kinds & {"histosys", "normsys"}:
            for st in EXTRA_SETTINGS:
                tag = f"{rel}#{st['normsys']['interpcode']}/{st['histosys']['interpcode']}"
                cases.append(make_case(tag, {"data": rel}, spec, st))
    for tag, rel, spec in patched_workspaces():
        cases.append(make_case("patched/" + tag, {"data": rel}, spec, DEFAULT_SETTINGS))
    write_gz(os.path.join(OUT, "cases.json.gz"),
             {"pyhf_version": pyhf.__version__, "n_random": N_RANDOM, "cases": cases})
    n_pts = sum(len(c["points"]) for c in cases)
    n_inf = sum(1 for c in cases for p in c["points"] if p["twice_nll"] is None)
    print(f"{len(cases)} cases, {n_pts} points ({n_inf} with non-finite pyhf twice_nll)")


if __name__ == "__main__":
    main()

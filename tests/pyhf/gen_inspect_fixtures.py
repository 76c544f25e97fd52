#!/usr/bin/env python3
"""Generate pyhf 0.7.6 model-configuration fixtures for tests/test_compile_model.cpp.

For every workspace bundled under scan-configs/data (every JSON document with
channels/measurements/observations; patchsets and other files are skipped), for
tests/data/pyhf-validation/*.workspace.json, and for 3 patches (first, middle, last) of
each sbottom (RegionA/B/C) and staus (Region-combined/highMass/lowMass) patchset, build
pyhf's model with the default measurement and pyhf's default interpolation codes
(normsys code4, histosys code4p) and record what model.config says:
par_order, per-parameter n / kind / init / bounds / fixed / sigmas (normal) / factors
(poisson), nmaindata, nauxdata, auxdata, channels, samples, channel bins, and ws.data(model).

A workspace whose measurement names a POI that no modifier provides (background-only
files) is built with poi_name=None and recorded with "poi": null.

usage: source /work/shared/tools/setup_pyhf.sh
       $PYHF_PY tests/pyhf/gen_inspect_fixtures.py [--write-patched]
(--write-patched also stores each patched workspace, for tests that cannot patch.)
Output: tests/data/pyhf/inspect/<slug>.json.gz, one per model, and index.json.
"""
import glob
import gzip
import json
import os
import re
import sys

import pyhf

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "pyhf", "inspect")
SETTINGS = {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}}
PATCHSETS = [
    "ATLAS-SUSY-2018-31_sbottom/RegionA",
    "ATLAS-SUSY-2018-31_sbottom/RegionB",
    "ATLAS-SUSY-2018-31_sbottom/RegionC",
    "ATLAS-SUSY-2018-04_staus/Region-combined",
    "ATLAS-SUSY-2018-04_staus/Region-highMass",
    "ATLAS-SUSY-2018-04_staus/Region-lowMass",
]


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def kind_of(model, name):
    for m, t in model.config.modifiers:
        if m == name:
            # first of pyhf's groups wins for names shared between histosys and normsys
            pass
    types = {t for m, t in model.config.modifiers if m == name}
    order = ["histosys", "lumi", "normfactor", "normsys", "shapefactor", "shapesys", "staterror"]
    return next(t for t in order if t in types)


def build(ws):
    meas = ws.get_measurement()
    try:
        return ws.model(modifier_settings=SETTINGS), meas
    except pyhf.exceptions.InvalidModel as e:
        if "is not declared in the model specification" not in str(e):
            raise
        return ws.model(modifier_settings=SETTINGS, poi_name=None), meas


def record(spec, source, patch=None):
    ws = pyhf.Workspace(spec)
    model, meas = build(ws)
    cfg = model.config
    params = []
    for name in cfg.par_order:
        ps = cfg.param_set(name)
        sl = cfg.par_slice(name)
        p = {
            "name": name,
            "kind": kind_of(model, name),
            "n": ps.n_parameters,
            "is_scalar": ps.is_scalar,
            "offset": sl.start,
            "constraint": getattr(ps, "pdf_type", None),
        }
        if getattr(ps, "pdf_type", None) == "normal":
            p["sigmas"] = [float(x) for x in ps.width()]
        if getattr(ps, "pdf_type", None) == "poisson":
            p["factors"] = [float(x) for x in ps.factors]
        params.append(p)
    return {
        "source": source,
        "patch": patch,
        "measurement": meas["name"],
        "poi": cfg.poi_name,
        "channels": cfg.channels,
        "channel_nbins": [cfg.channel_nbins[c] for c in cfg.channels],
        "samples": cfg.samples,
        "par_order": cfg.par_order,
        "params": params,
        "par_names": cfg.par_names,
        "suggested_init": [float(x) for x in cfg.suggested_init()],
        "suggested_bounds": [[float(a), float(b)] for a, b in cfg.suggested_bounds()],
        "suggested_fixed": [bool(x) for x in cfg.suggested_fixed()],
        "nmaindata": cfg.nmaindata,
        "nauxdata": cfg.nauxdata,
        "auxdata": [float(x) for x in cfg.auxdata],
        "data": [float(x) for x in ws.data(model)],
    }


def slug(rel):
    s = re.sub(r"\.json(\.gz)?$", "", rel)
    return re.sub(r"[^A-Za-z0-9_.-]+", "__", s)


def write(name, obj):
    with gzip.GzipFile(os.path.join(OUT, name), "wb", mtime=0) as f:
        f.write(json.dumps(obj, indent=None, separators=(",", ":")).encode())


def main():
    write_patched = "--write-patched" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.json.gz")):
        os.remove(old)
    index = []
    candidates = sorted(glob.glob(os.path.join(ROOT, "scan-configs", "data", "**", "*.json*"), recursive=True))
    candidates += sorted(glob.glob(os.path.join(ROOT, "tests", "data", "pyhf-validation", "*.workspace.json")))
    for path in candidates:
        rel = os.path.relpath(path, ROOT)
        spec = load(path)
        if not (isinstance(spec, dict) and {"channels", "measurements", "observations"} <= set(spec)):
            continue
        rec = record(spec, rel)
        name = slug(rel) + ".json.gz"
        write(name, rec)
        index.append({"fixture": name, "source": rel, "patch": None})
        print(f"{rel}: {len(rec['par_order'])} params, {rec['nmaindata']} bins, poi={rec['poi']}")
    for ps_dir in PATCHSETS:
        base = os.path.join(ROOT, "scan-configs", "data", ps_dir)
        bkg = os.path.join(base, "BkgOnly.json.gz")
        ps_path = sorted(glob.glob(os.path.join(base, "patchset*.json*")))[0]
        spec = load(bkg)
        patchset = pyhf.PatchSet(load(ps_path))
        n = len(patchset.patches)
        for i in sorted({0, n // 2, n - 1}):
            patch = patchset.patches[i]
            patched = patchset.apply(spec, patch.name)
            rel_bkg = os.path.relpath(bkg, ROOT)
            rec = record(patched, rel_bkg, {"patchset": os.path.relpath(ps_path, ROOT), "name": patch.name})
            name = slug(os.path.join(ps_dir, patch.name)) + ".json.gz"
            write(name, rec)
            entry = {"fixture": name, "source": rel_bkg, "patch": rec["patch"]}
            if write_patched:
                ws_name = slug(os.path.join(ps_dir, patch.name)) + ".workspace.json.gz"
                write(ws_name, patched)
                entry["patched_workspace"] = ws_name
            index.append(entry)
            print(f"{ps_dir} {patch.name}: {len(rec['par_order'])} params, poi={rec['poi']}")
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"generator": "tests/pyhf/gen_inspect_fixtures.py", "pyhf": pyhf.__version__,
                   "fixtures": index}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

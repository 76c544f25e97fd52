#!/usr/bin/env python3
"""Generate pyhf 0.7.6 fixtures for include/hfx/math/asymptotics.hpp (tests/test_asymptotics.cpp).

No fits are run: pyhf's own code is called with the fit results injected, so the fixture
holds exactly what pyhf computes from given fitted values.

1. "test_stat_value": pyhf.infer.test_statistics.{qmu, qmu_tilde, q0, tmu, tmu_tilde} with
   test_statistics.fixed_poi_fit / fit replaced by functions returning the given
   (POI value, twice_nll) pairs, over a grid of (mu, muhat, twice_nll_fixed, twice_nll_free)
   including negative differences (round-off) and muhat on both sides of mu and 0.
2. "cls": for test_stat in (qtilde, q, q0) and calc_base_dist in (normal, clipped_normal),
   over a grid of (q, q_A): pyhf's AsymptoticCalculator.teststatistic (with
   utils.get_test_stat and generate_asimov_data replaced so that the observed fit gives q
   and the Asimov fit gives q_A), .distributions, .pvalues and .expected_pvalues, and
   pyhf.infer.hypotest(..., return_expected_set=True) through the same injected fits
   (its first value and band: CLs, or p0 for q0).

Non-finite numbers are stored as the strings "nan", "inf", "-inf".

usage: source /work/shared/tools/setup_pyhf.sh
       $PYHF_PY tests/pyhf/gen_asymptotics_fixtures.py
Output: tests/data/pyhf/asymptotics/asymptotics.json.gz
"""
import gzip
import json
import logging
import math
import os
import types

import numpy as np
import pyhf
import pyhf.infer.calculators as calculators
import pyhf.infer.test_statistics as test_statistics

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "pyhf", "asymptotics")

logging.getLogger("pyhf").setLevel(logging.ERROR)  # qmu/qmu_tilde bound warnings
pyhf.set_backend("numpy")


def enc(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def gen_test_stat_value():
    fake_pdf = types.SimpleNamespace(config=types.SimpleNamespace(poi_index=0))
    funcs = {
        "q": test_statistics.qmu,
        "qtilde": test_statistics.qmu_tilde,
        "q0": test_statistics.q0,
        "tmu": test_statistics.tmu,
        "ttilde": test_statistics.tmu_tilde,
    }
    mus = [0.0, 0.5, 1.0, 3.0]
    muhats = [-0.7, -1e-9, 0.0, 0.3, 0.5, 1.0, 1.0000001, 2.5, 10.0]
    nll_pairs = [
        (10.0, 10.0),
        (10.0, 10.0 + 1e-9),  # fixed fit a hair below the free fit: clipped to 0
        (123.456, 120.0),
        (-50.0, -53.5),
        (1e4 + 0.25, 1e4),
        (7.0, 8.0),
        (5.0, 5.0 - 1e-13),
    ]
    cases = []
    for name, fn in funcs.items():
        for mu in mus:
            for muhat in muhats:
                for nll_fixed, nll_free in nll_pairs:
                    saved = (test_statistics.fixed_poi_fit, test_statistics.fit)
                    test_statistics.fixed_poi_fit = (
                        lambda m, d, p, i, b, f, return_fitted_val=False, _v=nll_fixed:
                        (np.asarray([m]), np.asarray(_v)))
                    test_statistics.fit = (
                        lambda d, p, i, b, f, return_fitted_val=False, _mh=muhat, _v=nll_free:
                        (np.asarray([_mh]), np.asarray(_v)))
                    try:
                        bounds = [[0.0, 10.0]] if name in ("qtilde", "ttilde") else [[-10.0, 10.0]]
                        val = fn(mu, None, fake_pdf, [1.0], bounds, [False])
                    finally:
                        test_statistics.fixed_poi_fit, test_statistics.fit = saved
                    cases.append({"test_stat": name, "mu": mu, "muhat": muhat,
                                  "twice_nll_fixed": nll_fixed, "twice_nll_free": nll_free,
                                  "value": enc(val)})
    return cases


def gen_cls():
    model = pyhf.simplemodels.uncorrelated_background(
        signal=[12.0, 11.0], bkg=[50.0, 52.0], bkg_uncertainty=[3.0, 7.0])
    data = [51, 48] + model.config.auxdata
    qs = [0.0, 1e-14, 1e-8, 1e-3, 0.04, 0.5, 1.0, 2.7055, 3.84, 9.0, 25.0, 100.0,
          400.0, 1000.0, 1300.0, 1400.0, 1450.0, 1500.0, 3000.0]
    qAs = [0.0, 1e-14, 1e-8, 1e-3, 0.3, 1.0, 3.84, 10.0, 100.0, 1000.0, 1400.0]
    injected = {}

    def fake_teststat(name):
        def fn(poi, data_, pdf, init, bounds, fixed, return_fitted_pars=False):
            val = np.asarray(injected["q"] if data_ is not None else injected["qA"])
            return (val, (None, None)) if return_fitted_pars else val
        return fn

    def fake_asimov(*args, return_fitted_pars=False, **kwargs):
        return (None, None) if return_fitted_pars else None  # data=None marks Asimov

    saved = (calculators.utils.get_test_stat, calculators.generate_asimov_data)
    calculators.utils.get_test_stat = fake_teststat
    calculators.generate_asimov_data = fake_asimov
    cases = []
    try:
        for ts_name in ("qtilde", "q", "q0"):
            for dist in ("normal", "clipped_normal"):
                for q in qs:
                    for qA in qAs:
                        injected["q"], injected["qA"] = q, qA
                        mu = 0.0 if ts_name == "q0" else 1.0
                        with np.errstate(all="ignore"):
                            calc = calculators.AsymptoticCalculator(
                                data, model, test_stat=ts_name, calc_base_dist=dist)
                            ts = calc.teststatistic(mu)
                            sb, b = calc.distributions(mu)
                            clsb, clb, cls = calc.pvalues(ts, sb, b)
                            clsb_e, clb_e, cls_e = calc.expected_pvalues(sb, b)
                            obs, band = pyhf.infer.hypotest(
                                mu, data, model, test_stat=ts_name, calc_base_dist=dist,
                                return_expected_set=True)
                        cases.append({
                            "test_stat": ts_name, "base_dist": dist, "q": q, "q_A": qA,
                            "teststat": enc(ts), "sqrt_qA": enc(calc.sqrtqmuA_v),
                            "clsb": enc(clsb), "clb": enc(clb), "cls": enc(cls),
                            "clsb_exp": [enc(x) for x in clsb_e],
                            "clb_exp": [enc(x) for x in clb_e],
                            "cls_exp": [enc(x) for x in cls_e],
                            "hypotest_obs": enc(obs),
                            "hypotest_exp": [enc(x) for x in band],
                        })
    finally:
        calculators.utils.get_test_stat, calculators.generate_asimov_data = saved
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    doc = {
        "generator": "tests/pyhf/gen_asymptotics_fixtures.py",
        "pyhf_version": pyhf.__version__,
        "test_stat_value": gen_test_stat_value(),
        "cls": gen_cls(),
    }
    path = os.path.join(OUT, "asymptotics.json.gz")
    text = json.dumps(doc, separators=(",", ":")) + "\n"
    with open(path, "wb") as raw:  # mtime=0: the same inputs give the same bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(text.encode())
    print(f"wrote {path}: {len(doc['test_stat_value'])} test_stat_value cases, "
          f"{len(doc['cls'])} cls cases")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times pyhf 0.7.6 asymptotic hypotests on patches of a patchset, for `hfx bench`.

usage: pyhf_bench.py WORKSPACE PATCHSET [--patches a,b,c] [--measurement NAME]
                     [--mu 1.0] [--tolerances 1e-10,default] [--no-warmup]

Settings are those of tests/data/reference (made by /work/shared/tools/pyhf_reference.py):
numpy backend, scipy optimizer (SLSQP) with tolerance 1e-10, the model's default
interpolation codes (normsys code4, histosys code4p; passed explicitly), test statistic
qtilde, mu = 1, calctype asymptotics, return_expected_set=True. "default" in --tolerances
runs pyhf's default tolerance (None: SLSQP's own 1e-6) as a second pass.

Each patch is applied to the workspace as written with jsonpatch (what pyhf's
PatchSet.apply does, without the digest check, so synthetic patchsets work too). Per patch
it reports time_s = apply + model build + hypotest (what hfx's hypotests/s also include)
and t_hypotest_s alone. An untimed hypotest on a one-bin model runs first (imports, caches).
Prints one JSON object on stdout; non-finite CLs (pyhf's NaN) are written as null.
"""
import argparse
import gzip
import json
import math
import sys
import time


def load(path):
    op = gzip.open if path.endswith('.gz') else open
    with op(path, 'rt') as f:
        return json.load(f)


def num(x):
    """A float for JSON; NaN/inf (pyhf gives NaN CLs where CLb = 0) become None."""
    x = float(x)
    return x if math.isfinite(x) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('workspace')
    ap.add_argument('patchset')
    ap.add_argument('--patches', default=None, help='comma-separated patch names (default: all)')
    ap.add_argument('--measurement', default=None)
    ap.add_argument('--mu', type=float, default=1.0)
    ap.add_argument('--tolerances', default='1e-10,default')
    ap.add_argument('--no-warmup', action='store_true')
    a = ap.parse_args()

    import numpy as np
    import scipy
    import jsonpatch
    import pyhf

    spec = load(a.workspace)
    ps = load(a.patchset)
    patches = {p['metadata']['name']: p['patch'] for p in ps['patches']}
    names = a.patches.split(',') if a.patches else list(patches)
    settings = {'normsys': {'interpcode': 'code4'}, 'histosys': {'interpcode': 'code4p'}}

    def one(name):
        t0 = time.perf_counter()
        ws = pyhf.Workspace(jsonpatch.apply_patch(spec, patches[name]))
        model = ws.model(measurement_name=a.measurement, modifier_settings=settings)
        data = ws.data(model)
        t1 = time.perf_counter()
        cls_obs, cls_exp = pyhf.infer.hypotest(a.mu, data, model, test_stat='qtilde', return_expected_set=True)
        t2 = time.perf_counter()
        return {'patch': name, 'time_s': t2 - t0, 't_hypotest_s': t2 - t1,
                'n_pars': model.config.npars, 'n_bins': int(sum(model.config.channel_nbins.values())),
                'cls_obs': num(cls_obs), 'cls_exp': [num(x) for x in cls_exp]}

    out = {'pyhf_version': pyhf.__version__, 'numpy': np.__version__, 'scipy': scipy.__version__,
           'python': sys.version.split()[0], 'backend': 'numpy', 'optimizer': 'scipy',
           'test_stat': 'qtilde', 'mu': a.mu, 'runs': []}
    for tol_text in a.tolerances.split(','):
        tol = None if tol_text in ('default', 'none', 'None') else float(tol_text)
        pyhf.set_backend('numpy', pyhf.optimize.scipy_optimizer(tolerance=tol))
        run = {'tolerance': tol, 'patches': []}
        if not a.no_warmup:
            # Untimed: a hypotest on a one-bin model loads scipy.optimize/stats and fills caches.
            t0 = time.perf_counter()
            m = pyhf.simplemodels.uncorrelated_background([5.0], [50.0], [7.0])
            pyhf.infer.hypotest(1.0, [52.0] + m.config.auxdata, m, test_stat='qtilde', return_expected_set=True)
            run['warmup_s'] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for nm in names:
            try:
                r = one(nm)
            except Exception as e:  # record and go on, like pyhf_reference.py
                r = {'patch': nm, 'error': f'{type(e).__name__}: {e}'}
            run['patches'].append(r)
            print(f'pyhf tol={tol_text} {nm} CLs={r.get("cls_obs")} t={r.get("time_s", r.get("error"))}',
                  file=sys.stderr)
        run['total_s'] = time.perf_counter() - t0
        out['runs'].append(run)
    json.dump(out, sys.stdout, allow_nan=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()

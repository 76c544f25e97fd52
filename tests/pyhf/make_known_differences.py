#!/usr/bin/env python3
"""Lists the patches where hfx's CLs differs from the pyhf 0.7.6 reference beyond issue 4's
criterion (1e-4 relative, 1e-8 absolute below 1e-4), with both free-fit minima and the reason.

usage: make_known_differences.py OUT.json REGION=REFERENCE.jsonl.gz:HFX_SCAN.jsonl ...

Reasons were established by rerunning pyhf on each patch (tests/pyhf/, notes on issue 4):
 * flat: CLs ~ 1 (tiny signal), q_A ~ 1e-7. CLs = 1 - 0.8 sqrt(q_A) magnifies any error of
   q_A; pyhf's free fit to Asimov data stops away from the Asimov generating point (the
   exact minimum, mu = 0) by ~1e-7 in twice_nll even at SLSQP tolerance 1e-16, so pyhf's
   q_A is wrong; hfx's q_A matches the Fisher-information estimate (mu/sigma_mu)^2 to 0.03%
   (sbottom_1600_550_60, region B).
 * minima: the fixed-POI fits (to data or Asimov data) have several local minima; hfx runs
   them from two starts (warm start and pyhf's inits) and keeps the lower minimum, which is
   lower than pyhf's (e.g. region A sbottom_500_131_1: JET_JER_EffectiveNP_2 = +0.455
   (hfx) vs -0.445 (pyhf), twice_nll 107.31938 vs 107.32836 on pyhf's own objective).
"""
import gzip, json, sys

def agree(a, b):
    return abs(a - b) <= 1e-4 * abs(b) if abs(b) >= 1e-4 else abs(a - b) <= 1e-8

# Patches where pyhf was rerun and its fits compared with hfx's (issue 4 note).
VERIFIED_MINIMA = {
    "sbottom_RegionA/sbottom_500_131_1",    # asimov fixed-mu fit: two minima (JET_JER_EffectiveNP_2)
    "sbottom_RegionC/sbottom_350_345_60",   # hfx lower in fixed_mu (-0.069) and asimov_fixed_mu (-0.34)
    "sbottom_RegionC/sbottom_500_400_60",   # hfx lower in fixed_mu (-0.043)
    "sbottom_RegionC/sbottom_1500_330_200", # pyhf's free Asimov fit stops at mu = 0.876, 8e-6 above hfx
    "sbottom_RegionA/sbottom_300_205_60",   # hfx lower in fixed_mu (-0.0077) and asimov_fixed_mu (-0.0065)
    "sbottom_RegionB/sbottom_400_205_60",   # hfx lower in fixed_mu (-0.0076) and asimov_fixed_mu (-0.0147)
}
out = {}
for arg in sys.argv[2:]:
    region, files = arg.split("=", 1)
    ref_f, hfx_f = files.split(":")
    ref = {}
    for line in gzip.open(ref_f, "rt"):
        r = json.loads(line); ref[r["patch"]] = r
    for line in open(hfx_f):
        r = json.loads(line); p = ref[r["patch"]]
        if "error" in r or "error" in p:
            continue
        pairs = [(r["CLs_obs"], p["cls_obs"])] + list(zip(r["CLs_exp"], p["cls_exp"]))
        if all(agree(a, b) for a, b in pairs):
            continue
        key = f"{region}/{r['patch']}"
        worst = max(abs(a - b) / abs(b) for a, b in pairs if abs(b) >= 1e-4)
        if min(r["CLs_exp"][2], p["cls_exp"][2]) > 0.99:
            reason = "flat"
        elif worst < 2e-4:
            reason = "precision"  # at the 1e-4 edge; hfx's free minimum is the lower one
        elif key in VERIFIED_MINIMA:
            reason = "minima"
        else:
            reason = "unverified"
        out[key] = {
            "reason": reason,
            "hfx": {"CLs_obs": r["CLs_obs"], "CLs_exp": r["CLs_exp"], "twice_nll": r["twice_nll"]},
            "pyhf": {"CLs_obs": p["cls_obs"], "CLs_exp": p["cls_exp"], "twice_nll_free": p["twice_nll_hat"]},
        }
json.dump(out, open(sys.argv[1], "w"), indent=1, sort_keys=True)
print(len(out), "documented differences")

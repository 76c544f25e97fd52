#!/usr/bin/env python3
"""Writes the patchset bad-input fixtures tests/data/bad/patch_*.json and json_*.json (run from
the repository root after `source /work/shared/tools/setup_pyhf.sh`; digests come from
pyhf.utils.digest). Each fixture has one defect; tests/test_patchset.cpp and
tests/test_json_io.cpp assert the message and exit code hfx gives for it. pyhf's own verdict
is printed for reference (pyhf rejects the same files)."""
import copy
import json
import os

import pyhf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BAD = os.path.join(ROOT, "tests", "data", "bad")

WS = {
    "channels": [
        {"name": "CR", "samples": [{"name": "bkg", "data": [10.0, 12.0], "modifiers": [
            {"name": "mu_bkg", "type": "normfactor", "data": None}]}]},
        {"name": "SR", "samples": [{"name": "bkg", "data": [3.0], "modifiers": [
            {"name": "mu_bkg", "type": "normfactor", "data": None}]}]},
    ],
    "observations": [{"name": "CR", "data": [11.0, 12.0]}, {"name": "SR", "data": [4.0]}],
    "measurements": [{"name": "meas", "config": {"poi": "mu_SIG", "parameters": []}}],
    "version": "1.0.0",
}

SIGNAL = {"name": "signal", "data": [1.5], "modifiers": [{"name": "mu_SIG", "type": "normfactor", "data": None}]}


def patchset(patches, digest=None):
    return {
        "metadata": {
            "description": "hfx bad-input fixture",
            "digests": {"sha256": digest or pyhf.utils.digest(WS)},
            "labels": ["m1", "m2"],
            "references": {"hepdata": "ins0000000"},
        },
        "patches": patches,
        "version": "1.0.0",
    }


def patch(name, values, ops):
    return {"metadata": {"name": name, "values": values}, "patch": ops}


GOOD = patch("sig_100_1", [100, 1], [{"op": "add", "path": "/channels/1/samples/1", "value": SIGNAL}])


def write(name, obj):
    with open(os.path.join(BAD, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(BAD, exist_ok=True)
    write("patch_bkg_workspace.json", WS)
    write("patch_good_patchset.json", patchset([
        GOOD,
        patch("sig_200_1", [200, 1], [
            {"op": "add", "path": "/channels/1/samples/-", "value": SIGNAL},
            {"op": "replace", "path": "/channels/1/samples/1/data/0", "value": 2.5},
            {"op": "test", "path": "/channels/0/name", "value": "CR"},
            {"op": "remove", "path": "/channels/0"},
        ]),
    ]))
    write("patch_path_missing.json", patchset([
        GOOD, patch("sig_300_1", [300, 1], [
            {"op": "add", "path": "/channels/1/samples/1", "value": SIGNAL},
            {"op": "remove", "path": "/channels/7"}])]))
    write("patch_test_failed.json", patchset([
        patch("sig_100_1", [100, 1], [{"op": "test", "path": "/channels/0/name", "value": "SR"}])]))
    write("patch_duplicate_names.json", patchset([GOOD, patch("sig_100_1", [100, 2], GOOD["patch"])]))
    write("patch_duplicate_values.json", patchset([GOOD, patch("sig_100_1b", [100.0, 1], GOOD["patch"])]))
    write("patch_digest_mismatch.json", patchset([GOOD], digest="0" * 64))
    write("patch_values_count.json", patchset([patch("sig_100_1", [100], GOOD["patch"])]))
    write("patch_unknown_op.json", patchset([patch("sig_100_1", [100, 1], [{"op": "append", "path": "/x", "value": 1}])]))
    ps = patchset([GOOD])
    del ps["metadata"]["labels"]
    write("patch_missing_labels.json", ps)
    with open(os.path.join(BAD, "json_truncated.json"), "w") as f:
        f.write('{\n  "channels": [\n    {"name": "SR", "samples": [\n')
    with open(os.path.join(BAD, "json_not_utf8.json"), "wb") as f:
        f.write(b'{\n  "description": "caf\xe9 in Latin-1"\n}\n')

    # pyhf's verdicts, for reference
    for name in sorted(os.listdir(BAD)):
        if not name.startswith("patch_") or name == "patch_bkg_workspace.json":
            continue
        try:
            ps = pyhf.PatchSet(json.load(open(os.path.join(BAD, name))))
            ps.verify(WS)
            for p in ps:
                p.apply(copy.deepcopy(WS))
            print(f"{name}: pyhf accepts")
        except Exception as e:  # noqa: BLE001 - report whatever pyhf raises
            print(f"{name}: pyhf {type(e).__name__}: {str(e)[:100]}")


if __name__ == "__main__":
    main()

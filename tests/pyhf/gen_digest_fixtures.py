#!/usr/bin/env python3
"""Generates the digest / json.dumps / patchset-apply fixtures used by tests/test_digest.cpp
and tests/test_patchset.cpp (run from the repository root, after
`source /work/shared/tools/setup_pyhf.sh`):

    $PYHF_PY tests/pyhf/gen_digest_fixtures.py

Writes
  tests/data/digest/python_digests.json   for every JSON document of the corpus (scan-configs/data)
      and of tests/data/pyhf-validation: pyhf.utils.digest (sha256 of json.dumps(sort_keys=True,
      ensure_ascii=False)), its md5, and the sha256 of json.dumps(indent=4, sort_keys=True)
      (pyhf's CLI output format, ASCII-escaped)
  tests/data/digest/tricky.json            a document with hard cases for Python's float repr
      and string escaping (random doubles of every magnitude, control characters, non-ASCII)
  tests/data/digest/tricky_expected.json  json.dumps of tricky.json in both formats
  tests/data/digest/pyhf_patchset_apply.json  sha256 and size of `pyhf patchset apply` output
      (stdout and --output-file) for one sbottom RegionB patch
"""
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

import pyhf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "digest")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def corpus_files():
    for base in ("scan-configs/data", "tests/data/pyhf-validation"):
        for d, _, files in os.walk(os.path.join(ROOT, base)):
            if "/orig" in d or "/reference" in d or "nll_goldens" in d:
                continue
            for f in sorted(files):
                if f.endswith(".json") or f.endswith(".json.gz"):
                    if f.startswith("EXPECTED_"):
                        continue
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def digests():
    table = {}
    for rel in sorted(corpus_files()):
        obj = load(os.path.join(ROOT, rel))
        compact = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf8")
        pretty = json.dumps(obj, indent=4, sort_keys=True).encode("utf8")
        assert hashlib.sha256(compact).hexdigest() == pyhf.utils.digest(obj)
        table[rel] = {
            "sha256": pyhf.utils.digest(obj),
            "md5": pyhf.utils.digest(obj, algorithm="md5"),
            "pretty_sha256": hashlib.sha256(pretty).hexdigest(),
        }
    with open(os.path.join(OUT, "python_digests.json"), "w") as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write("\n")


def tricky():
    rng = random.Random(20261204)
    floats = [1.0, 1e-05, 1.2e16, 0.0001, 1e16, 1e15, 1234567890123456.0, 12345678901234567.0,
              0.1, 1 / 3, 2 / 3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
              -0.0, 0.0, 100.0, 1e22, 1e23, 2.5e-07, 0.00031415, 9.999999999999999e15,
              123.456, -1.5, 0.30000000000000004, 1e-4, 9.9999e-05, 4.35, 0.5, 1e100]
    for _ in range(400):
        x = rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30)
        floats.append(x)
        floats.append(float(f"{x:.3g}"))  # short decimal inputs, as in published files
    for _ in range(100):
        floats.append(rng.getrandbits(64) / 2.0**rng.randint(0, 80))
    ints = [0, -1, 1, 2**53 + 1, -(2**63), 2**64 - 1, 123456789]
    strings = ["plain", "quote\" backslash\\ slash/", "\n\r\t\b\f", "".join(chr(c) for c in range(32)),
               "del\x7f", "é à ü", "日本語", "emoji \U0001F600 \U0010FFFF", "\u2028\u2029", ""]
    doc = {
        "floats": floats,
        "ints": ints,
        "strings": strings,
        "nested": {"b": [True, False, None, [], {}], "a": {"z": [[]], "é": 1, "Z": 2, "e": 3}},
        "\u00e9key": "non-ASCII key",
        "Key": "upper case sorts first",
    }
    text = json.dumps(doc, ensure_ascii=False)
    with open(os.path.join(OUT, "tricky.json"), "w", encoding="utf-8") as f:
        f.write(text)
    again = json.loads(text)
    expected = {
        "compact": json.dumps(again, sort_keys=True, ensure_ascii=False),
        "pretty_ascii": json.dumps(again, indent=4, sort_keys=True),
        "sha256": pyhf.utils.digest(again),
        "md5": pyhf.utils.digest(again, algorithm="md5"),
        "float_reprs": [repr(x) for x in again["floats"]],
    }
    with open(os.path.join(OUT, "tricky_expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=True)
        f.write("\n")


def patchset_apply():
    d = os.path.join(ROOT, "scan-configs/data/ATLAS-SUSY-2018-31_sbottom/RegionB")
    name = "sbottom_1000_205_60"
    with tempfile.TemporaryDirectory() as tmp:
        ws, ps = os.path.join(tmp, "ws.json"), os.path.join(tmp, "ps.json")
        for src, dst in ((os.path.join(d, "BkgOnly.json.gz"), ws), (os.path.join(d, "patchset.DERIVED.json.gz"), ps)):
            with gzip.open(src, "rb") as i, open(dst, "wb") as o:
                o.write(i.read())
        run = [sys.executable, "-c", "import sys; from pyhf.cli import cli; cli(sys.argv[1:])",
               "patchset", "apply", ws, ps, "--name", name]
        stdout = subprocess.run(run, check=True, capture_output=True).stdout
        outfile = os.path.join(tmp, "out.json")
        subprocess.run(run + ["--output-file", outfile], check=True)
        with open(outfile, "rb") as f:
            filebytes = f.read()
    result = {
        "workspace": "ATLAS-SUSY-2018-31_sbottom/RegionB/BkgOnly.json.gz",
        "patchset": "ATLAS-SUSY-2018-31_sbottom/RegionB/patchset.DERIVED.json.gz",
        "name": name,
        "stdout_sha256": hashlib.sha256(stdout).hexdigest(), "stdout_bytes": len(stdout),
        "file_sha256": hashlib.sha256(filebytes).hexdigest(), "file_bytes": len(filebytes),
        "pyhf_version": pyhf.__version__,
    }
    with open(os.path.join(OUT, "pyhf_patchset_apply.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    digests()
    tricky()
    patchset_apply()

#!/usr/bin/env python3
"""Runs edge cases of RFC 6902 through the jsonpatch library pyhf uses (pyhf.patchset.Patch is a
jsonpatch.JsonPatch) and records the outcome, so tests/test_json_patch.cpp can check that
hfx agrees with pyhf on what applies and what fails (run from the repository root:
`python3 tests/pyhf/gen_jsonpatch_cases.py`). Writes tests/data/json_patch_cases.json."""
import copy
import json
import os

import jsonpatch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
D = {"a": {"b": [1, 2, 3], "c": "s", "~x/": 0}, "l": [[0], {"k": None}], "n": 1.5}
CASES = [
    [{"op": "add", "path": "/a/b/3", "value": 4}],
    [{"op": "add", "path": "/a/b/4", "value": 4}],
    [{"op": "add", "path": "/a/b/-", "value": 4}],
    [{"op": "add", "path": "/a/b/01", "value": 4}],
    [{"op": "add", "path": "/a/b/-1", "value": 4}],
    [{"op": "add", "path": "/a/c/x", "value": 4}],
    [{"op": "add", "path": "/a/zz/x", "value": 4}],
    [{"op": "add", "path": "", "value": [1]}],
    [{"op": "add", "path": "/a/~0x~1", "value": 5}],
    [{"op": "add", "path": "/new", "value": {"deep": [1, {"x": 2}]}}],
    [{"op": "remove", "path": "/a/b/2"}],
    [{"op": "remove", "path": "/a/b/3"}],
    [{"op": "remove", "path": "/a/b/-"}],
    [{"op": "remove", "path": "/a/zz"}],
    [{"op": "remove", "path": "/l/1/k"}],
    [{"op": "remove", "path": "/a/~0x~1"}],
    [{"op": "replace", "path": "/a/b/0", "value": 9}],
    [{"op": "replace", "path": "/a/b/3", "value": 9}],
    [{"op": "replace", "path": "/zz", "value": 9}],
    [{"op": "replace", "path": "", "value": 9}],
    [{"op": "move", "from": "/a/b", "path": "/l/0/0"}],
    [{"op": "move", "from": "/a", "path": "/a/b/0"}],
    [{"op": "move", "from": "/a/b/0", "path": "/a/b/2"}],
    [{"op": "move", "from": "/a/b/0", "path": "/a/b/-"}],
    [{"op": "move", "from": "/zz", "path": "/y"}],
    [{"op": "move", "from": "/n", "path": "/n"}],
    [{"op": "copy", "from": "/a/b", "path": "/a/b/1"}],
    [{"op": "copy", "from": "/zz", "path": "/y"}],
    [{"op": "copy", "from": "/l", "path": "/l/-"}],
    [{"op": "test", "path": "/n", "value": 1.5}],
    [{"op": "test", "path": "/a/b", "value": [1, 2.0, 3]}],
    [{"op": "test", "path": "/a/b", "value": [1, 2]}],
    [{"op": "test", "path": "/l/1/k", "value": None}],
    [{"op": "test", "path": "/l/1/zz", "value": None}],
    [{"op": "test", "path": "/a/c", "value": "t"}],
    [{"op": "test", "path": "/a/~0x~1", "value": 0}],
    [{"op": "add", "path": "/a/b/0", "value": 0}, {"op": "test", "path": "/a/b", "value": [0, 1, 2, 3]}],
    [{"op": "remove", "path": "/a/b/0"}, {"op": "remove", "path": "/a/b/0"}, {"op": "remove", "path": "/a/b/0"},
     {"op": "remove", "path": "/a/b/0"}],
    [{"op": "add", "path": "/x", "value": 1}, {"op": "test", "path": "/x", "value": 2}],
]


def main():
    out = []
    for ops in CASES:
        try:
            result = jsonpatch.JsonPatch(ops).apply(copy.deepcopy(D))
            out.append({"patch": ops, "ok": True, "result": result})
        except Exception as e:  # noqa: BLE001 - any jsonpatch/jsonpointer error counts as failure
            out.append({"patch": ops, "ok": False, "error": f"{type(e).__name__}: {e}"})
    with open(os.path.join(ROOT, "tests", "data", "json_patch_cases.json"), "w") as f:
        json.dump({"jsonpatch_version": jsonpatch.__version__, "document": D, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

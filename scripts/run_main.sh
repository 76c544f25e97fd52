#!/usr/bin/env bash
# The README's run command: a real published likelihood scan, ATLAS sbottom multi-b
# region A (ATLAS-SUSY-2018-31, HEPData ins1748602, 217 signal hypotheses), CLs at mu = 1
# with the expected band and upper limits for every hypothesis. Rerunning resumes; delete
# the output file to start over.
set -euo pipefail
BUILD=${1:-build}
mkdir -p results
"$BUILD/hfx" scan --config scan-configs/sbottom_RegionA.json --limits --progress \
  --out results/sbottom_RegionA.jsonl
echo "results: results/sbottom_RegionA.jsonl ($(wc -l < results/sbottom_RegionA.jsonl) records)"
python3 - <<'PY' 2>/dev/null || true
import json
recs = [json.loads(l) for l in open("results/sbottom_RegionA.jsonl")]
ok = [r for r in recs if "error" not in r]
excl = [r for r in ok if r["CLs_obs"] < 0.05]
print(f"{len(ok)} hypotheses tested, {len(excl)} excluded at 95% CL (CLs_obs < 0.05)")
PY

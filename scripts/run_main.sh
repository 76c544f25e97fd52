#!/usr/bin/env bash
# The README's run command: a real published likelihood scan, ATLAS sbottom multi-b
# region A (ATLAS-SUSY-2018-31, HEPData ins1748602, 217 signal hypotheses): CLs at mu = 1
# with the expected band and upper limits for every hypothesis, then the exclusion
# contours (JSON + CSV) and plots (SVG + PNG) of the m_chi1 = 60 GeV plane.
# Rerunning resumes the scan; delete results/ to start over.
set -euo pipefail
BUILD=${1:-build}
HFX="$BUILD/hfx"
mkdir -p results
R=results/sbottom_RegionA.jsonl
"$HFX" scan --config scan-configs/sbottom_RegionA.json --limits --progress --out "$R"
"$HFX" contour "$R" --x m_sbottom --y m_chi2 --where m_chi1=60 \
  --out results/sbottom_RegionA_contours.json --csv results/sbottom_RegionA_contours.csv
"$HFX" contour "$R" --x m_sbottom --y m_chi2 --where m_chi1=60 \
  --quantity ul --out results/sbottom_RegionA_contours_ul.json
"$HFX" plot "$R" --x m_sbottom --y m_chi2 --where m_chi1=60 \
  --title "ATLAS sbottom multi-b (ATLAS-SUSY-2018-31), region A" --out results/sbottom_RegionA_exclusion.png
"$HFX" plot "$R" --x m_sbottom --where m_chi1=60 --where m_chi2=205 \
  --out results/sbottom_RegionA_brazil_mchi2_205.png
python3 - "$R" <<'PY' 2>/dev/null || true
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if "error" not in r]
excl = [r for r in ok if r["CLs_obs"] < 0.05]
print(f"{len(recs)} records: {len(ok)} hypotheses tested, {len(recs) - len(ok)} could not be built, "
      f"{len(excl)} excluded at 95% CL (CLs_obs < 0.05)")
PY
echo "outputs in results/: sbottom_RegionA.jsonl, *_contours.{json,csv}, *_exclusion.{svg,png}, *_brazil_*.{svg,png}"

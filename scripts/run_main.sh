#!/usr/bin/env bash
# The README's run command: a real published likelihood (ATLAS sbottom, region A).
set -euo pipefail
BUILD=${1:-build}
"$BUILD/hfx" inspect scan-configs/data/ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz

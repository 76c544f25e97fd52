#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) and runs each for a fixed time.
#   tests/fuzz/run_fuzzers.sh [SECONDS_PER_TARGET=60] [TARGET...]
# Environment: FUZZ_BUILD (build dir, default build-fuzz), FUZZ_JOBS (targets run in
# parallel, default 1), CXX_FUZZ (default clang++). Needs clang with libFuzzer (Debian:
# clang and libclang-rt-14-dev).
# Seeds: small files (< 20 kB) from tests/data (workspaces, patchsets, bad inputs);
# the growing corpus lives in $FUZZ_BUILD/corpus/<target>, crashes in
# $FUZZ_BUILD/artifacts/<target>/, logs in $FUZZ_BUILD/logs/<target>.log.
# Exit status: 0 when no target found a crash, 1 otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
secs="${1:-60}"
shift || true
build="${FUZZ_BUILD:-build-fuzz}"
jobs="${FUZZ_JOBS:-1}"
cxx="${CXX_FUZZ:-clang++}"

if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "run_fuzzers: $cxx not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
cmake -S . -B "$build" -DHFX_FUZZ=ON -DHFX_CUDA=OFF -DHFX_BUILD_TESTS=OFF -DHFX_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target hfx_fuzz

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

# Seed corpus: small JSON files of the test data (the same seeds serve every target; each
# target reads what it understands and mutates from there).
seeds="$build/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
for d in tests/data/bad tests/data/pyhf-validation tests/data/fuzz; do
  [ -d "$d" ] || continue
  find "$d" -maxdepth 3 -type f -size -20k | while read -r f; do
    cp "$f" "$seeds/$(echo "$f" | tr '/' '_')"
  done
done
# JSON Patch cases as {"doc", "ops"} inputs for fuzz_patch.
if command -v python3 >/dev/null 2>&1 && [ -f tests/data/json_patch_cases.json ]; then
  python3 - "$seeds" <<'PY' || true
import json, sys
data = json.load(open("tests/data/json_patch_cases.json"))
for i, c in enumerate(data.get("cases", [])):
    if isinstance(c, dict) and "patch" in c:
        with open(f"{sys.argv[1]}/patchcase_{i}.json", "w") as f:
            json.dump({"doc": c.get("doc", data["document"]), "ops": c["patch"]}, f)
PY
fi

status=0
run_one() {
  local t="$1"
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t" "$build/logs"
  # -max_len: the largest seed is ~20 kB; -rss_limit_mb bounds a runaway allocation;
  # -timeout: one input taking > 10 s is reported as a hang.
  "$build/$t" "$build/corpus/$t" "$seeds" -max_total_time="$secs" -max_len=20000 \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -dict=tests/fuzz/hfx.dict \
    -artifact_prefix="$build/artifacts/$t/" >"$build/logs/$t.log" 2>&1
}
pids=()
names=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done

for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || echo 'cov: ?')
  crashes=$(find "$build/artifacts/$t" -type f | wc -l)
  echo "$t: ${runs} executions, ${cov}, ${crashes} artifact(s) in $build/artifacts/$t (log $log)"
done
exit $status

#!/usr/bin/env bash
# GPU check of the CUDA backend (issue 5), for a machine with an NVIDIA GPU and the CUDA
# toolkit in /usr/local/cuda. Budget: under 5 minutes on an H200.
#  1. configure + build (Release, CUDA on) in its own build dir (default build-device-check)
#  2. the CPU-vs-CUDA consistency tests (tests/test_cuda_backend.cpp), the interleaved-scratch
#     variant's tests (tests/test_interleaved.cpp: emulated and on the GPU) and the kernel
#     emulation
#  3. throughput: hypotests/s of the CUDA backend (cuda: contiguous scratch per thread;
#     cuda_interleaved: scratch interleaved across threads, coalesced) and of the CPU backend
#     on all cores, on sbottom RegionA (all patches), staus combined (all patches) and 10,000
#     synthetic hypotheses (bench/bench_batch_hypotest.cpp); a short table is printed last.
# Environment: BUILD_DIR, JOBS, HFX_BENCH_SYNTHETIC (10000), HFX_BENCH_CPU_MAX (10000: the CPU
# backend runs at most this many hypotheses per dataset; its rate is per hypothesis).
set -u -o pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device-check}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
LOG_DIR=$BUILD_DIR/device-check
status=0
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

step "configure + build ($BUILD_DIR, $JOBS jobs)"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHFX_CUDA=ON >/dev/null || exit 1
targets="hfx test_cuda_backend test_interleaved test_hypotest_session test_backend_ops test_kernel_emulation"
have_bench=0
known_targets=$(cmake --build "$BUILD_DIR" --target help 2>/dev/null || true)
if grep -q hfx_bench <<<"$known_targets"; then targets="$targets hfx_bench"; have_bench=1
else echo "hfx_bench not configured (Google Benchmark not found): throughput skipped"; status=1; fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target $targets 2>&1 | tail -n 3 || exit 1
mkdir -p "$LOG_DIR"

step "GPU consistency tests"
timeout 150 "$BUILD_DIR/test_cuda_backend" --gtest_color=no 2>&1 | tee "$LOG_DIR/test_cuda_backend.log" | \
  grep -E '^\[ *(OK|FAILED|SKIPPED) *\] [A-Za-z]+\.[A-Za-z]+ \(|^\[  PASSED  \]|Failure' || true
grep -q '^\[  PASSED  \]' "$LOG_DIR/test_cuda_backend.log" && ! grep -q '^\[  FAILED  \]' "$LOG_DIR/test_cuda_backend.log" || status=1
if grep -q '^\[  SKIPPED \] CudaBackend\.' "$LOG_DIR/test_cuda_backend.log"; then echo "WARNING: GPU tests skipped (no device seen)"; status=1; fi
timeout 90 "$BUILD_DIR/test_interleaved" --gtest_color=no 2>&1 | tee "$LOG_DIR/test_interleaved.log" | \
  grep -E '^\[ *(OK|FAILED|SKIPPED) *\] [A-Za-z]+\.[A-Za-z]+ \(|^\[  PASSED  \]|^\[ info \]|Failure' || true
grep -q '^\[  PASSED  \]' "$LOG_DIR/test_interleaved.log" && ! grep -q '^\[  FAILED  \]' "$LOG_DIR/test_interleaved.log" || status=1
if grep -q '^\[  SKIPPED \] CudaInterleaved\.' "$LOG_DIR/test_interleaved.log"; then echo "WARNING: interleaved GPU tests skipped"; status=1; fi
# GPU tests of the other CUDA entry points: hypotest_session (prepare once, (hypothesis, mu)
# items; the GPU's limit path) and the fit/cls/limit CLI on --backend cuda.
gpu_tests() {  # name, timeout, gtest filter
  timeout "$2" "$BUILD_DIR/$1" --gtest_color=no --gtest_filter="$3" 2>&1 | tee "$LOG_DIR/$1.log" | \
    grep -E '^\[ *(OK|FAILED|SKIPPED) *\] [A-Za-z]+\.[A-Za-z]+ \(|^\[  PASSED  \]|Failure' || true
  grep -q '^\[  PASSED  \]' "$LOG_DIR/$1.log" && ! grep -q '^\[  FAILED  \]' "$LOG_DIR/$1.log" || status=1
  if grep -q '^\[  SKIPPED \]' "$LOG_DIR/$1.log"; then echo "WARNING: $1: GPU tests skipped"; status=1; fi
}
gpu_tests test_hypotest_session 90 'HypotestSession.Cuda*'
gpu_tests test_backend_ops 90 '*Cuda*'
timeout 60 "$BUILD_DIR/test_kernel_emulation" --gtest_brief=1 --gtest_color=no >"$LOG_DIR/test_kernel_emulation.log" 2>&1 \
  && echo "kernel emulation: passed" || { echo "kernel emulation: FAILED (see $LOG_DIR/test_kernel_emulation.log)"; status=1; }

step "throughput"
[ "$have_bench" -eq 1 ] && timeout 200 "$BUILD_DIR/hfx_bench" --benchmark_filter='^BatchHypotest/' --benchmark_format=csv \
  >"$LOG_DIR/throughput.csv" 2>"$LOG_DIR/throughput.err" || { echo "throughput run failed or timed out"; status=1; }

step "end-to-end scans (sbottom RegionA, 217 patches, CLs + limits)"
# Wall seconds of `hfx scan --limits` on the GPU (hypotest_session: limits in rounds over the
# batch) and on all CPU cores (per-hypothesis engine), same binary, same machine.
e2e() {  # label, extra args
  local t0 t1 out="$LOG_DIR/scan_$1.jsonl"
  rm -f "$out"
  t0=$(date +%s.%N)
  if timeout 150 "$BUILD_DIR/hfx" scan --config scan-configs/sbottom_RegionA.json --limits --quiet --out "$out" $2 \
       >"$LOG_DIR/scan_$1.log" 2>&1; then
    t1=$(date +%s.%N)
    printf 'scan %-10s %7.2f s  %s records\n' "$1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(wc -l <"$out")" | tee -a "$LOG_DIR/e2e.txt"
  else
    echo "scan $1: failed or timed out (see $LOG_DIR/scan_$1.log)"; status=1
  fi
}
rm -f "$LOG_DIR/e2e.txt"
e2e cuda "--backend cuda"
e2e cpu_all "--backend cpu --threads $(nproc)"

step "summary"
touch "$LOG_DIR/throughput.csv"
printf '%-12s %-16s %10s %9s %12s %10s %6s %6s %9s\n' dataset backend hypotheses seconds hypotests/s converged pars bins work_KiB
# CSV columns: name,iterations,real_time,cpu_time,time_unit,...,error_occurred,error_message,<counters>
awk -F, 'NR==1 { for (i = 1; i <= NF; ++i) { h = $i; gsub(/"/, "", h); col[h] = i }; next }
  /^"BatchHypotest/ {
    gsub(/"/, ""); split($1, p, "/");
    if ($(col["error_occurred"]) == "true") { printf "%-12s %-16s %s\n", p[2], p[3], $(col["error_message"]); next }
    printf "%-12s %-16s %10d %9.2f %12.1f %10d %6d %6d %9.1f\n", p[2], p[3], $(col["hypotheses"]), $(col["real_time"]),
           $(col["hyp_per_s"]), $(col["all_converged"]), $(col["n_pars"]), $(col["n_bins"]), $(col["work_KiB"]) }' "$LOG_DIR/throughput.csv"
[ -f "$LOG_DIR/e2e.txt" ] && cat "$LOG_DIR/e2e.txt"
[ "$status" -eq 0 ] && echo "device check: OK" || echo "device check: PROBLEMS (logs in $LOG_DIR)"
exit "$status"

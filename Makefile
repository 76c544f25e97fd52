# Thin front doors over CMake. `make test` and `make run` work on a fresh Debian machine:
# they install missing packages (scripts/setup_deps.sh), configure, build and run.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CUDA ?= AUTO
CMAKE_FLAGS ?=

.PHONY: all setup configure build test check run bench clean

all: build

setup:
	@scripts/setup_deps.sh

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DHFX_CUDA=$(CUDA) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# `make test` is what CI runs (.ci/run): the suite, then the suite again under ASan + UBSan
# (check-asan, below: ~10 min more on 2 cores). `make check` is the quick suite alone.
test: check check-asan

check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The main job: a real published likelihood scan (GPU when present, CPU otherwise).
run: build
	@scripts/run_main.sh $(BUILD)

# Benchmarks: stage micro-benchmarks + throughput table with pyhf side by side (when pyhf
# 0.7.6 is importable) -> bench/RESULTS.md. `make bench ARGS=--quick` for a short run.
bench: setup
	@bench/run_bench.sh $(ARGS)

clean:
	rm -rf $(BUILD)

# ---- reliability: sanitizers and fuzzing ------------------------------------------------
# `make check-asan`: the test suite built with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DHFX_SANITIZE=ON, CPU only) in its own build directory. The whole suite runs: under
# ASan + UBSan it takes ~2 min of ctest on 2 cores (the sanitized build itself ~15-30 min).
# ASAN_CTEST_ARGS passes a selection to ctest, e.g. ASAN_CTEST_ARGS="-E 'Published|Corpus'".
ASAN_BUILD ?= build-asan
ASAN_CTEST_ARGS ?=
# `make fuzz`: each libFuzzer target in tests/fuzz for FUZZ_TIME seconds (clang needed).
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60

.PHONY: check-asan fuzz

check-asan: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHFX_CUDA=OFF -DHFX_SANITIZE=ON \
	  -DHFX_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target hfx_all_tests
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(ASAN_CTEST_ARGS)

fuzz: setup
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=$(JOBS) tests/fuzz/run_fuzzers.sh $(FUZZ_TIME)

# Thin front doors over CMake. `make test` and `make run` work on a fresh Debian machine:
# they install missing packages (scripts/setup_deps.sh), configure, build and run.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CUDA ?= AUTO
CMAKE_FLAGS ?=

.PHONY: all setup configure build test run bench clean

all: build

setup:
	@scripts/setup_deps.sh

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DHFX_CUDA=$(CUDA) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The main job: a real published likelihood scan (GPU when present, CPU otherwise).
run: build
	@scripts/run_main.sh $(BUILD)

bench: build
	@$(BUILD)/hfx_bench

clean:
	rm -rf $(BUILD)

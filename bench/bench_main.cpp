// The one main() of hfx_bench (every bench/*.cpp is linked into it; see CMakeLists.txt).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();

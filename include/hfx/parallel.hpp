// hfx/parallel.hpp - the CPU backend's thread pool primitive: a dynamic parallel for over
// independent items (hypotheses). Deterministic results: each item is computed by exactly
// one thread with no shared accumulation, so the output does not depend on the thread count.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hfx {

// Number of threads to use for `requested` (0 = all hardware threads).
inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : int(h);
}

// Calls f(i, thread_index) for i in [0, n) on `threads` threads (0 = all). Items are handed
// out one at a time (hypotheses differ in cost). The first exception thrown is rethrown.
template <class F>
void parallel_for(std::size_t n, int threads, F&& f) {
  const int T = std::max(1, std::min<int>(resolve_threads(threads), int(std::max<std::size_t>(n, 1))));
  if (T == 1) {
    for (std::size_t i = 0; i < n; ++i) f(i, 0);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr err;
  std::mutex err_mutex;
  auto worker = [&](int t) {
    try {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) f(i, t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(err_mutex);
      if (!err) err = std::current_exception();
      next.store(n);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(T - 1);
  for (int t = 1; t < T; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  if (err) std::rethrow_exception(err);
}

}  // namespace hfx

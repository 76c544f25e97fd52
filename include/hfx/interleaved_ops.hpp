// hfx/interleaved_ops.hpp - batched operations with scratch memory interleaved across
// threads (an A/B variant of batch_ops.hpp for the CUDA backend).
//
// hypotest_op gives each slot (executing thread) a contiguous block of scratch: element i of
// slot s at work[s * work_stride + i]. On a GPU the 32 threads of a warp run in lockstep and
// access the same element i of their own scratch at the same time, 32 different cache lines
// apart: every scratch load and store is uncoalesced. hypotest_op_interleaved lays the same
// scratch out element-major: element i of slot s at work[i * n_slots + s] (likewise iwork and
// bwork), so that a warp's accesses to element i hit consecutive addresses. The math is the
// same source (hypotest_one, math/hypotest_body.hpp) instantiated with strided_ptr
// (math/strided.hpp) instead of plain pointers; only the addresses differ, so on the CPU its
// records are bit-identical to hypotest_op's (tests/test_interleaved.cpp; on a GPU the two
// kernels are compiled separately and may contract multiply-adds differently).
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hfx/batch_ops.hpp"
#include "hfx/config.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/math/strided.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// One hypothesis test per item, as hypotest_op (items [0, n): hypothesis item_hyp[i] or
// hyp0 + i, at item_mu[i] or mu_test), with interleaved scratch of n_slots slots: work holds
// n_slots * hypotest_work_size doubles, iwork n_slots * hypotest_iwork_size ints and bwork
// n_slots * hypotest_bwork_size bytes. Every slot the launch can use (slot < grid * block)
// must be < n_slots.
struct hypotest_op_interleaved {
  batch_view b;
  double mu_test = 1.0;
  hypotest_settings settings;
  const std::uint8_t* local = nullptr;     // mark_local_components(b.s), n_pars
  double* work = nullptr;                  // element i of slot s at work[i * n_slots + s]
  int* iwork = nullptr;                    // element i of slot s at iwork[i * n_slots + s]
  std::uint8_t* bwork = nullptr;           // element i of slot s at bwork[i * n_slots + s]
  std::int64_t n_slots = 0;                // the stride of the interleaved layout
  std::int64_t hyp0 = 0;
  const std::int32_t* item_hyp = nullptr;  // n: hypothesis of item i (null: hyp0 + i)
  const double* item_mu = nullptr;         // n: POI value of item i (null: mu_test)
  hypotest_record* out = nullptr;          // n records (item i -> out[i])

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const std::int32_t h = item_hyp ? item_hyp[i] : std::int32_t(hyp0 + i);
    const model_view m = b.hyp(h);
    out[i] = hypotest_one(m, item_mu ? item_mu[i] : mu_test, settings, local, interleaved_slot(work, slot, n_slots),
                          interleaved_slot(iwork, slot, n_slots), interleaved_slot(bwork, slot, n_slots));
  }
};

static_assert(std::is_trivially_copyable_v<hypotest_op_interleaved>);

}  // namespace hfx

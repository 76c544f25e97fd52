// hfx/cuda_interleaved.hpp - the CUDA backend's hypothesis tests with scratch memory
// interleaved across threads (kernels/interleaved_hypotest.cu; hypotest_op_interleaved in
// interleaved_ops.hpp): an A/B variant of cuda_batch_hypotest (cuda_backend.hpp) for
// measuring coalesced scratch access. Same device model, chunking, streams and records.
// Safe to include and call in builds without CUDA: it then throws hfx::error
// (host/cuda_interleaved_stub.cpp).
#pragma once
#include <vector>

#include "hfx/cuda_backend.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// One hypothesis test per hypothesis of b (host memory) at POI value mu_test on the GPU,
// with interleaved scratch; the same records as cuda_batch_hypotest up to the device's
// rounding. Throws hfx::error when CUDA is unavailable or a CUDA call fails, model_error
// when the batch has no POI.
std::vector<hypotest_record> cuda_batch_hypotest_interleaved(const batch_view& b, double mu_test,
                                                             const hypotest_settings& st,
                                                             const cuda_options& opt = {});

}  // namespace hfx

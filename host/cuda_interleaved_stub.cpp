// Fallback of the interleaved-scratch CUDA hypothesis tests when hfx is built without CUDA
// (see cuda_backend_stub.cpp).
#include "hfx/cuda_interleaved.hpp"

#ifndef HFX_HAVE_CUDA
#include "hfx/error.hpp"

namespace hfx {

std::vector<hypotest_record> cuda_batch_hypotest_interleaved(const batch_view&, double, const hypotest_settings&,
                                                             const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

}  // namespace hfx
#endif

// Fallbacks of the CUDA backend when hfx is built without CUDA (see cuda_device_stub.cpp).
#include "hfx/cuda_backend.hpp"

#ifndef HFX_HAVE_CUDA
#include "hfx/error.hpp"

namespace hfx {

std::vector<hypotest_record> cuda_batch_hypotest(const batch_view&, double, const hypotest_settings&,
                                                 const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

batch_eval_result cuda_batch_evaluate(const batch_view&, const std::vector<double>&, const std::vector<double>&,
                                      const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

}  // namespace hfx
#endif

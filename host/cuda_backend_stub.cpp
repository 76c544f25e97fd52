// Fallbacks of the CUDA backend when hfx is built without CUDA (see cuda_device_stub.cpp).
#include "hfx/cuda_backend.hpp"
#include "hfx/hypotest_session.hpp"

#ifndef HFX_HAVE_CUDA
#include "hfx/error.hpp"

namespace hfx {

std::vector<hypotest_record> cuda_batch_hypotest(const batch_view&, double, const hypotest_settings&,
                                                 const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

std::vector<hypotest_record> cuda_batch_hypotest_items(const batch_view&, const std::vector<std::int32_t>&,
                                                       const std::vector<double>&, const hypotest_settings&,
                                                       const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

batch_fit_result cuda_batch_fit(const batch_view&, const fit_items&, const fit_settings&, const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

batch_eval_result cuda_batch_evaluate(const batch_view&, const std::vector<double>&, const std::vector<double>&,
                                      const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}

namespace detail {
std::unique_ptr<hypotest_session_impl> make_cuda_hypotest_session(const batch_view&, const hypotest_settings&,
                                                                  const cuda_options&) {
  throw error("the CUDA backend is not available: hfx was built without CUDA");
}
}  // namespace detail

}  // namespace hfx
#endif

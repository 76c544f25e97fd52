// The CUDA hypotest_session (hypotest_session.hpp): the batch's model and each hypothesis'
// prepared state (hypotest_keep_size doubles + the prepared record) stay in device memory
// for the session; each at() uploads only its items, runs hypotest_at_op over them and
// copies the records back. Work memory per launch is sized from the free device memory
// (items beyond it are covered by the grid-stride loop). Every CUDA call is checked.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "cuda_model.cuh"
#include "hfx/batch_ops.hpp"
#include "hfx/hypotest_session.hpp"
#include "hfx/launch_emulator.hpp"
#include "hfx/local_components.hpp"

namespace hfx {
namespace {

struct cuda_session final : detail::hypotest_session_impl {
  cuda_options opt;
  hypotest_settings st;
  cuda::device_model dm;
  cuda::device_buffer<std::uint8_t> local;
  cuda::device_buffer<double> keep;
  cuda::device_buffer<hypotest_record> d_base;
  std::size_t work_stride, iwork_stride, bwork_stride, keep_stride;

  std::size_t bytes_per_slot() const {
    return work_stride * sizeof(double) + iwork_stride * sizeof(int) + bwork_stride + sizeof(hypotest_record);
  }

  // Scratch for a launch over n items: at most the slots that fit in memory.
  struct scratch {
    launch_config cfg;
    cuda::device_buffer<double> work;
    cuda::device_buffer<int> iwork;
    cuda::device_buffer<std::uint8_t> bwork;
  };
  // The ops' shared view on the device, with scratch for a launch over n items (owned by w).
  hypotest_session_view view(scratch& w, std::int64_t n) {
    const std::int64_t slots = cuda::items_in_memory(bytes_per_slot(), 1, opt.memory_fraction, n, opt.max_in_flight);
    w.cfg = launch_for(n, slots, std::max(1, opt.block_size));
    const std::size_t T = std::size_t(w.cfg.threads());
    w.work = cuda::device_buffer<double>(work_stride * T);
    w.iwork = cuda::device_buffer<int>(iwork_stride * T);
    w.bwork = cuda::device_buffer<std::uint8_t>(bwork_stride * T);
    hypotest_session_view v;
    v.b = dm.view;
    v.settings = st;
    v.local = local.get();
    v.work = w.work.get();
    v.iwork = w.iwork.get();
    v.bwork = w.bwork.get();
    v.work_stride = work_stride;
    v.iwork_stride = iwork_stride;
    v.bwork_stride = bwork_stride;
    v.keep = keep.get();
    v.keep_stride = keep_stride;
    v.base = d_base.get();
    return v;
  }

  cuda_session(const batch_view& b, const hypotest_settings& s, const cuda_options& o)
      : opt(o), st(s), dm((cuda::select_device(o), b)) {
    const std::int64_t n = std::max<std::int64_t>(b.n_hyp, 0);
    work_stride = hypotest_work_size(b.s);
    iwork_stride = hypotest_iwork_size(b.s);
    bwork_stride = hypotest_bwork_size(b.s);
    keep_stride = hypotest_keep_size(b.s);
    const std::vector<std::uint8_t> loc = local_components(b.s);
    local = cuda::to_device(loc.data(), loc.size());
    keep = cuda::device_buffer<double>(keep_stride * std::size_t(n));
    d_base = cuda::device_buffer<hypotest_record>(std::size_t(n));
    base.resize(std::size_t(n));
    if (n == 0) return;
    scratch w;
    hypotest_prepare_op op;
    op.v = view(w, n);
    cuda::stream stm;
    cuda::grid_stride_kernel<<<unsigned(w.cfg.grid), unsigned(w.cfg.block), 0, stm.get()>>>(n, op);
    HFX_CUDA_CHECK_LAUNCH();
    stm.sync();
    HFX_CUDA_CHECK(cudaMemcpy(base.data(), d_base.get(), std::size_t(n) * sizeof(hypotest_record),
                              cudaMemcpyDeviceToHost));
  }

  std::vector<hypotest_record> at(const std::vector<std::int32_t>& hyp, const std::vector<double>& mu,
                                  const std::vector<double>& start, std::vector<double>& x_out) override {
    const std::int64_t n = std::int64_t(hyp.size());
    std::vector<hypotest_record> out(hyp.size());
    if (n == 0) return out;
    cuda::device_buffer<std::int32_t> d_hyp = cuda::to_device(hyp.data(), hyp.size());
    cuda::device_buffer<double> d_mu = cuda::to_device(mu.data(), mu.size());
    cuda::device_buffer<hypotest_record> d_out(hyp.size());
    const std::size_t P2 = 2 * std::size_t(dm.view.s.n_pars);
    cuda::device_buffer<double> d_start = cuda::to_device(start.data(), start.size());
    cuda::device_buffer<double> d_x(hyp.size() * P2);
    scratch w;
    hypotest_at_op op;
    op.v = view(w, n);
    HFX_CUDA_CHECK(cudaDeviceSynchronize());  // uploads landed before the non-blocking stream runs
    op.item_hyp = d_hyp.get();
    op.item_mu = d_mu.get();
    op.item_start = start.empty() ? nullptr : d_start.get();
    op.item_x = d_x.get();
    op.out = d_out.get();
    cuda::stream stm;
    cuda::grid_stride_kernel<<<unsigned(w.cfg.grid), unsigned(w.cfg.block), 0, stm.get()>>>(n, op);
    HFX_CUDA_CHECK_LAUNCH();
    stm.sync();
    HFX_CUDA_CHECK(cudaMemcpy(out.data(), d_out.get(), hyp.size() * sizeof(hypotest_record), cudaMemcpyDeviceToHost));
    x_out.resize(hyp.size() * P2);
    HFX_CUDA_CHECK(cudaMemcpy(x_out.data(), d_x.get(), x_out.size() * sizeof(double), cudaMemcpyDeviceToHost));
    return out;
  }
};

}  // namespace

namespace detail {
std::unique_ptr<hypotest_session_impl> make_cuda_hypotest_session(const batch_view& b, const hypotest_settings& st,
                                                                  const cuda_options& opt) {
  return std::make_unique<cuda_session>(b, st, opt);
}
}  // namespace detail

}  // namespace hfx

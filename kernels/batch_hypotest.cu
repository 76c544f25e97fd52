// The CUDA backend: device model of a batch, grid-stride kernels over hypotheses running the
// batched operations of batch_ops.hpp (the same __host__ __device__ math as the CPU backend),
// chunking sized from free device memory, two streams, pinned result buffers.
// Runtime API only. Every CUDA call and launch is checked (HFX_CUDA_CHECK); device code
// never throws: each record carries the fits' statuses.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_model.cuh"
#include "cuda_util.cuh"
#include "hfx/local_components.hpp"
#include "hfx/batch_ops.hpp"
#include "hfx/cuda_backend.hpp"
#include "hfx/error.hpp"
#include "hfx/launch_emulator.hpp"

namespace hfx {
// The shared pieces (grid_stride_kernel, device_model, items_in_memory, select_device) are
// in cuda_model.cuh, used by every CUDA entry point.
using cuda::device_model;
using cuda::grid_stride_kernel;
using cuda::items_in_memory;
using cuda::select_device;

namespace {

// hypotest_op over n items (item_hyp / item_mu host arrays, or null: item i = hypothesis i
// at mu_test), in chunks on two streams.
std::vector<hypotest_record> cuda_run_hypotests(const batch_view& b, std::int64_t n, const std::int32_t* item_hyp,
                                                const double* item_mu, double mu_test, const hypotest_settings& st,
                                                const cuda_options& opt) {
  if (b.s.poi < 0) throw model_error("the model has no POI; hypothesis tests and limits need one");
  std::vector<hypotest_record> result(std::size_t(std::max<std::int64_t>(n, 0)));
  if (n <= 0) return result;
  select_device(opt);
  const int block = std::max(1, opt.block_size);

  device_model dm(b);
  const std::vector<std::uint8_t> local = local_components(b.s);
  cuda::device_buffer<std::uint8_t> d_local = cuda::to_device(local.data(), local.size());
  cuda::device_buffer<std::int32_t> d_hyp;
  cuda::device_buffer<double> d_mu;
  if (item_hyp) d_hyp = cuda::to_device(item_hyp, std::size_t(n));
  if (item_mu) d_mu = cuda::to_device(item_mu, std::size_t(n));
  HFX_CUDA_CHECK(cudaDeviceSynchronize());  // upload complete before the non-blocking streams run

  hypotest_op op;
  op.b = dm.view;
  op.mu_test = mu_test;
  op.settings = st;
  op.local = d_local.get();
  op.work_stride = hypotest_work_size(b.s);
  op.iwork_stride = hypotest_iwork_size(b.s);
  op.bwork_stride = hypotest_bwork_size(b.s);

  // Two buffer sets (one per stream): while chunk c computes, chunk c-1's results copy back.
  const std::size_t per_item = op.work_stride * sizeof(double) + op.iwork_stride * sizeof(int) +
                               op.bwork_stride + sizeof(hypotest_record);
  const std::int64_t chunk = items_in_memory(per_item, 2, opt.memory_fraction, n, opt.max_in_flight);
  const std::int64_t threads = slots_for_chunk(chunk, block);  // scratch slots per launch
  const std::vector<chunk_launch> plan = plan_chunks(n, chunk, block);
  const int sets = n > chunk ? 2 : 1;
  cuda::device_buffer<double> work[2];
  cuda::device_buffer<int> iwork[2];
  cuda::device_buffer<std::uint8_t> bwork[2];
  cuda::device_buffer<hypotest_record> out[2];
  for (int k = 0; k < sets; ++k) {
    work[k] = cuda::device_buffer<double>(op.work_stride * threads);
    iwork[k] = cuda::device_buffer<int>(op.iwork_stride * threads);
    bwork[k] = cuda::device_buffer<std::uint8_t>(op.bwork_stride * threads);
    out[k] = cuda::device_buffer<hypotest_record>(std::size_t(chunk));
  }
  cuda::pinned_buffer<hypotest_record> host_out{std::size_t(n)};
  cuda::stream streams[2];

  // Chunk c runs on stream c % 2 with buffer set c % 2: the stream orders it after chunk
  // c - 2's copy-back, while chunk c - 1 (other stream) computes or copies concurrently.
  for (const chunk_launch& L : plan) {
    const int k = L.set;
    hypotest_op o = op;
    o.hyp0 = L.start;
    if (item_hyp) o.item_hyp = d_hyp.get() + L.start;  // the chunk's items
    if (item_mu) o.item_mu = d_mu.get() + L.start;
    o.work = work[k].get();
    o.iwork = iwork[k].get();
    o.bwork = bwork[k].get();
    o.out = out[k].get();
    grid_stride_kernel<<<unsigned(L.cfg.grid), unsigned(L.cfg.block), 0, streams[k].get()>>>(L.count, o);
    HFX_CUDA_CHECK_LAUNCH();
    HFX_CUDA_CHECK(cudaMemcpyAsync(host_out.get() + L.start, out[k].get(),
                                   std::size_t(L.count) * sizeof(hypotest_record), cudaMemcpyDeviceToHost,
                                   streams[k].get()));
  }
  streams[0].sync();
  streams[1].sync();
  std::memcpy(static_cast<void*>(result.data()), host_out.get(), std::size_t(n) * sizeof(hypotest_record));
  return result;
}

}  // namespace

std::vector<hypotest_record> cuda_batch_hypotest(const batch_view& b, double mu_test, const hypotest_settings& st,
                                                 const cuda_options& opt) {
  return cuda_run_hypotests(b, b.n_hyp, nullptr, nullptr, mu_test, st, opt);
}

std::vector<hypotest_record> cuda_batch_hypotest_items(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                                       const std::vector<double>& mu, const hypotest_settings& st,
                                                       const cuda_options& opt) {
  const std::int64_t n = hypotest_item_count(b, hyp, mu);
  return cuda_run_hypotests(b, n, hyp.data(), mu.data(), 1.0, st, opt);
}

batch_fit_result cuda_batch_fit(const batch_view& b, const fit_items& items, const fit_settings& st,
                                const cuda_options& opt) {
  const std::int64_t n = fit_item_count(b, items);
  const std::size_t P = std::size_t(b.s.n_pars);
  batch_fit_result r;
  r.x.resize(std::size_t(n) * P);
  r.outcome.resize(std::size_t(n));
  if (n == 0) return r;
  select_device(opt);
  const int block = std::max(1, opt.block_size);

  device_model dm(b);
  const std::vector<std::uint8_t> local = local_components(b.s);
  cuda::device_buffer<std::uint8_t> d_local = cuda::to_device(local.data(), local.size());
  // Per-item inputs (absent ones stay null: the op takes the hypothesis' defaults).
  cuda::device_buffer<std::int32_t> d_hyp;
  cuda::device_buffer<double> d_data, d_start, d_fixed_poi;
  cuda::device_buffer<std::uint8_t> d_fixed;
  if (!items.hyp.empty()) d_hyp = cuda::to_device(items.hyp.data(), items.hyp.size());
  if (!items.data.empty()) d_data = cuda::to_device(items.data.data(), items.data.size());
  if (!items.start.empty()) d_start = cuda::to_device(items.start.data(), items.start.size());
  if (!items.fixed.empty()) d_fixed = cuda::to_device(items.fixed.data(), items.fixed.size());
  if (!items.fixed_poi.empty()) d_fixed_poi = cuda::to_device(items.fixed_poi.data(), items.fixed_poi.size());
  HFX_CUDA_CHECK(cudaDeviceSynchronize());  // uploads complete before the non-blocking stream runs

  fit_op op;
  op.b = dm.view;
  op.settings = st;
  op.local = d_local.get();
  op.work_stride = fit_op_work_size(b.s);
  op.iwork_stride = fit_iwork_size(b.s);
  op.bwork_stride = P;
  op.item_hyp = d_hyp.get();
  op.data = d_data.get();
  op.start = d_start.get();
  op.fixed = d_fixed.get();
  op.fixed_poi = d_fixed_poi.get();
  cuda::device_buffer<double> d_x(std::size_t(n) * P);
  cuda::device_buffer<fit_outcome> d_out{std::size_t(n)};
  op.x = d_x.get();
  op.out = d_out.get();
  // One launch; fewer threads than items when scratch memory is short (grid-stride loop).
  const std::size_t per_slot =
      op.work_stride * sizeof(double) + op.iwork_stride * sizeof(int) + op.bwork_stride;
  const std::int64_t slots = items_in_memory(per_slot, 1, opt.memory_fraction, n, opt.max_in_flight);
  const launch_config cfg = launch_for(n, slots, block);
  cuda::device_buffer<double> work(op.work_stride * std::size_t(cfg.threads()));
  cuda::device_buffer<int> iwork(op.iwork_stride * std::size_t(cfg.threads()));
  cuda::device_buffer<std::uint8_t> bwork(op.bwork_stride * std::size_t(cfg.threads()));
  op.work = work.get();
  op.iwork = iwork.get();
  op.bwork = bwork.get();
  cuda::stream stream;
  grid_stride_kernel<<<unsigned(cfg.grid), unsigned(cfg.block), 0, stream.get()>>>(n, op);
  HFX_CUDA_CHECK_LAUNCH();
  stream.sync();
  HFX_CUDA_CHECK(cudaMemcpy(r.x.data(), d_x.get(), r.x.size() * sizeof(double), cudaMemcpyDeviceToHost));
  HFX_CUDA_CHECK(cudaMemcpy(static_cast<void*>(r.outcome.data()), d_out.get(),
                            r.outcome.size() * sizeof(fit_outcome), cudaMemcpyDeviceToHost));
  return r;
}

batch_eval_result cuda_batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                      const std::vector<double>& data, const cuda_options& opt) {
  const std::size_t n = std::size_t(std::max(b.n_hyp, 0)), P = std::size_t(b.s.n_pars),
                    D = std::size_t(b.s.n_bins + b.s.n_aux);
  if (pars.size() != n * P || data.size() != n * D)
    throw error("cuda_batch_evaluate: pars must hold n_hyp * n_pars and data n_hyp * (n_bins + n_aux) values");
  batch_eval_result r;
  r.twice_nll.resize(n);
  r.twice_nll_gh.resize(n);
  r.grad.resize(n * P);
  r.hess.resize(n * P * P);
  r.expected.resize(n * D);
  if (n == 0) return r;
  select_device(opt);
  const int block = std::max(1, opt.block_size);

  device_model dm(b);
  cuda::device_buffer<double> d_pars = cuda::to_device(pars.data(), pars.size());
  cuda::device_buffer<double> d_data = cuda::to_device(data.data(), data.size());
  HFX_CUDA_CHECK(cudaDeviceSynchronize());  // uploads complete before the non-blocking stream runs
  cuda::device_buffer<double> d_nll(n), d_nll_gh(n), d_grad(n * P), d_hess(n * P * P), d_exp(n * D);
  eval_op op;
  op.b = dm.view;
  op.pars = d_pars.get();
  op.data = d_data.get();
  op.work_stride = nll_work_size(b.s);
  // Fewer threads than items when memory is short: the grid-stride loop covers the rest.
  const std::int64_t slots =
      items_in_memory(op.work_stride * sizeof(double), 1, opt.memory_fraction, std::int64_t(n), opt.max_in_flight);
  const launch_config cfg = launch_for(std::int64_t(n), slots, block);
  cuda::device_buffer<double> work(op.work_stride * std::size_t(cfg.threads()));
  op.work = work.get();
  op.twice_nll = d_nll.get();
  op.twice_nll_gh = d_nll_gh.get();
  op.grad = d_grad.get();
  op.hess = d_hess.get();
  op.expected = d_exp.get();
  cuda::stream st;
  grid_stride_kernel<<<unsigned(cfg.grid), unsigned(cfg.block), 0, st.get()>>>(std::int64_t(n), op);
  HFX_CUDA_CHECK_LAUNCH();
  st.sync();
  auto down = [](std::vector<double>& h, const cuda::device_buffer<double>& d) {
    if (!h.empty()) HFX_CUDA_CHECK(cudaMemcpy(h.data(), d.get(), h.size() * sizeof(double), cudaMemcpyDeviceToHost));
  };
  down(r.twice_nll, d_nll);
  down(r.twice_nll_gh, d_nll_gh);
  down(r.grad, d_grad);
  down(r.hess, d_hess);
  down(r.expected, d_exp);
  return r;
}

}  // namespace hfx

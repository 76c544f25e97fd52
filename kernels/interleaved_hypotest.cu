// The CUDA backend's hypothesis tests with scratch memory interleaved across threads
// (hypotest_op_interleaved, interleaved_ops.hpp): the A/B variant of cuda_batch_hypotest
// (kernels/batch_hypotest.cu) with the same device model, chunking sized from free device
// memory, two streams and pinned results; only the scratch layout differs. Element i of slot
// s lies at work[i * n_slots + s], n_slots being the slots of the chunk's buffer set, so the
// threads of a warp reading element i of their scratch read consecutive addresses.
// Runtime API only; every CUDA call and launch is checked (HFX_CUDA_CHECK); device code
// never throws: each record carries the fits' statuses.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cuda_model.cuh"
#include "cuda_util.cuh"
#include "hfx/cuda_interleaved.hpp"
#include "hfx/error.hpp"
#include "hfx/interleaved_ops.hpp"
#include "hfx/launch_emulator.hpp"
#include "hfx/local_components.hpp"

namespace hfx {

std::vector<hypotest_record> cuda_batch_hypotest_interleaved(const batch_view& b, double mu_test,
                                                             const hypotest_settings& st, const cuda_options& opt) {
  if (b.s.poi < 0) throw model_error("the model has no POI; hypothesis tests and limits need one");
  const std::int64_t n = b.n_hyp;
  std::vector<hypotest_record> result(std::size_t(std::max<std::int64_t>(n, 0)));
  if (n <= 0) return result;
  cuda::select_device(opt);
  const int block = std::max(1, opt.block_size);

  cuda::device_model dm(b);
  const std::vector<std::uint8_t> local = local_components(b.s);
  cuda::device_buffer<std::uint8_t> d_local = cuda::to_device(local.data(), local.size());
  HFX_CUDA_CHECK(cudaDeviceSynchronize());  // upload complete before the non-blocking streams run

  hypotest_op_interleaved op;
  op.b = dm.view;
  op.mu_test = mu_test;
  op.settings = st;
  op.local = d_local.get();
  const std::size_t work_size = hypotest_work_size(b.s), iwork_size = hypotest_iwork_size(b.s),
                    bwork_size = hypotest_bwork_size(b.s);

  // Two buffer sets (one per stream): while chunk c computes, chunk c-1's results copy back.
  const std::size_t per_item =
      work_size * sizeof(double) + iwork_size * sizeof(int) + bwork_size + sizeof(hypotest_record);
  const std::int64_t chunk = cuda::items_in_memory(per_item, 2, opt.memory_fraction, n, opt.max_in_flight);
  const std::int64_t slots = slots_for_chunk(chunk, block);  // scratch slots per buffer set: the stride
  const std::vector<chunk_launch> plan = plan_chunks(n, chunk, block);
  const int sets = n > chunk ? 2 : 1;
  cuda::device_buffer<double> work[2];
  cuda::device_buffer<int> iwork[2];
  cuda::device_buffer<std::uint8_t> bwork[2];
  cuda::device_buffer<hypotest_record> out[2];
  for (int k = 0; k < sets; ++k) {
    work[k] = cuda::device_buffer<double>(work_size * std::size_t(slots));
    iwork[k] = cuda::device_buffer<int>(iwork_size * std::size_t(slots));
    bwork[k] = cuda::device_buffer<std::uint8_t>(bwork_size * std::size_t(slots));
    out[k] = cuda::device_buffer<hypotest_record>(std::size_t(chunk));
  }
  op.n_slots = slots;  // every launch of the plan uses slots [0, cfg.threads()), cfg.threads() <= slots
  cuda::pinned_buffer<hypotest_record> host_out{std::size_t(n)};
  cuda::stream streams[2];

  // Chunk c runs on stream c % 2 with buffer set c % 2: the stream orders it after chunk
  // c - 2's copy-back, while chunk c - 1 (other stream) computes or copies concurrently.
  for (const chunk_launch& L : plan) {
    const int k = L.set;
    hypotest_op_interleaved o = op;
    o.hyp0 = L.start;
    o.work = work[k].get();
    o.iwork = iwork[k].get();
    o.bwork = bwork[k].get();
    o.out = out[k].get();
    cuda::grid_stride_kernel<<<unsigned(L.cfg.grid), unsigned(L.cfg.block), 0, streams[k].get()>>>(L.count, o);
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

}  // namespace hfx

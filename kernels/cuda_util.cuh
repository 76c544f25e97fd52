// kernels/cuda_util.cuh - host-side helpers of the CUDA backend: the checking macro and RAII
// owners of device memory, pinned host memory and streams. Host code only: device code
// never throws (DESIGN.md section 4, rule 4).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "hfx/error.hpp"

namespace hfx::cuda {

[[noreturn]] inline void fail(cudaError_t err, const char* what, const char* file, int line) {
  (void)cudaGetLastError();  // clear a non-sticky error so later calls can report their own
  throw error(std::string("CUDA error at ") + file + ":" + std::to_string(line) + ": " + what + ": " +
              cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

}  // namespace hfx::cuda

// Checks a CUDA runtime call; throws hfx::error "CUDA error at file:line: call: name (text)".
#define HFX_CUDA_CHECK(call)                                                      \
  do {                                                                            \
    const cudaError_t hfx_cuda_err_ = (call);                                     \
    if (hfx_cuda_err_ != cudaSuccess) ::hfx::cuda::fail(hfx_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)

// Checks the kernel launch just made (bad configurations are reported by cudaGetLastError;
// faults during execution by the next synchronising call, which is checked too).
#define HFX_CUDA_CHECK_LAUNCH() HFX_CUDA_CHECK(cudaGetLastError())

namespace hfx::cuda {

// Device array of n elements of T (uninitialised). Move-only.
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t n) : n_(n) {
    if (n > 0) HFX_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
  }
  ~device_buffer() { reset(); }
  device_buffer(device_buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;

  T* get() const { return p_; }
  std::size_t size() const { return n_; }
  // Synchronous copy of n elements from host memory.
  void upload(const T* host, std::size_t n) {
    if (n > 0) HFX_CUDA_CHECK(cudaMemcpy(p_, host, n * sizeof(T), cudaMemcpyHostToDevice));
  }

 private:
  void reset() noexcept {
    if (p_) (void)cudaFree(p_);  // errors at release cannot be reported from a destructor
    p_ = nullptr;
    n_ = 0;
  }
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

// Device copy of n host elements.
template <class T>
device_buffer<T> to_device(const T* host, std::size_t n) {
  device_buffer<T> d(n);
  d.upload(host, n);
  return d;
}

// Page-locked host array (for asynchronous copies). Move-only.
template <class T>
class pinned_buffer {
 public:
  pinned_buffer() = default;
  explicit pinned_buffer(std::size_t n) : n_(n) {
    if (n > 0) HFX_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&p_), n * sizeof(T)));
  }
  ~pinned_buffer() {
    if (p_) (void)cudaFreeHost(p_);
  }
  pinned_buffer(pinned_buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  pinned_buffer(const pinned_buffer&) = delete;
  pinned_buffer& operator=(const pinned_buffer&) = delete;
  pinned_buffer& operator=(pinned_buffer&&) = delete;
  T* get() const { return p_; }
  std::size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

class stream {
 public:
  stream() { HFX_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  ~stream() {
    if (s_) (void)cudaStreamDestroy(s_);
  }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  cudaStream_t get() const { return s_; }
  void sync() const { HFX_CUDA_CHECK(cudaStreamSynchronize(s_)); }

 private:
  cudaStream_t s_ = nullptr;
};

}  // namespace hfx::cuda

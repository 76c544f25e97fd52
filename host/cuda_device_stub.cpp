// Fallbacks when hfx is built without the CUDA backend.
#include "hfx/cuda_device.hpp"

#ifndef HFX_HAVE_CUDA
namespace hfx {
int cuda_device_count() { return 0; }
std::string cuda_device_description() { return "hfx was built without CUDA"; }
}  // namespace hfx
#endif

// hfx/cuda_device.hpp - what the CUDA runtime sees. Safe to call on machines without an
// NVIDIA driver or without a CUDA build: it then reports zero devices.
#pragma once
#include <string>

namespace hfx {
// Number of usable CUDA devices (0 when hfx was built without CUDA or no driver/device).
int cuda_device_count();
// One line describing device 0 ("NVIDIA H200, sm_90, 139.8 GiB"), or why there is none.
std::string cuda_device_description();
}  // namespace hfx

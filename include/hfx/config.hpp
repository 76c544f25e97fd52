// hfx/config.hpp - compile-time configuration shared by host and device code.
#pragma once

// HFX_HD marks a function usable on both host and device. Without nvcc it expands to
// nothing, so every formula in include/hfx/ is ordinary C++ that the CPU backend and the
// CPU tests compile and run (DESIGN.md section 4, rule 1: single source).
#if defined(__CUDACC__)
#define HFX_HD __host__ __device__
#define HFX_DEVICE_COMPILE 1
#else
#define HFX_HD
#define HFX_DEVICE_COMPILE 0
#endif

#define HFX_HDI HFX_HD inline

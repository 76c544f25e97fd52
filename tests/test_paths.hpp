// Paths to the project's test data and the CLI binary (set by CMake).
#pragma once
#include <string>

namespace hfx::test {
inline std::string source_dir() { return HFX_SOURCE_DIR; }
inline std::string data(const std::string& rel) { return std::string(HFX_SOURCE_DIR) + "/tests/data/" + rel; }
inline std::string published(const std::string& rel) {
  return std::string(HFX_SOURCE_DIR) + "/scan-configs/data/" + rel;
}
inline std::string cli() { return HFX_CLI_PATH; }
}  // namespace hfx::test

// Shared by the fuzz targets (fuzz/*_fuzzer.cpp, built with clang by scripts/fuzz.sh) and by the
// regression test (tests/fuzz/fuzz_regression_test.cpp, built with the project): each target's
// entry point is a plain function from bytes to Status, so a reproducer runs through exactly the
// code the fuzzer ran. A target defines LLVMFuzzerTestOneInput only when POSECAST_FUZZ_NO_MAIN is
// not defined.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast::fuzz {

// A scratch folder for the loaders that only take paths: one per process, removed at exit.
inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      std::error_code ec;
      std::filesystem::path base = std::filesystem::temp_directory_path(ec);
      if (ec) base = "/tmp";
      path = base / ("posecast-fuzz-" + std::to_string(::getpid()));
      std::filesystem::create_directories(path, ec);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes `bytes` to scratch_dir()/name and returns the path (empty when it cannot be written).
inline std::filesystem::path scratch_file(const std::string& name, std::string_view bytes) {
  std::filesystem::path path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) return {};
  return path;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits `input` at the last `separator`: {before, after}; {input, ""} when there is none.
inline std::pair<std::string_view, std::string_view> split_last(std::string_view input,
                                                                std::string_view separator,
                                                                bool* found = nullptr) {
  const size_t at = input.rfind(separator);
  if (found) *found = at != std::string_view::npos;
  if (at == std::string_view::npos) return {input, {}};
  return {input.substr(0, at), input.substr(at + separator.size())};
}

}  // namespace posecast::fuzz

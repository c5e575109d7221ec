// A plain host tensor: the torch-free type that crosses the engine's public API.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace posecast {

enum class DType { kFloat32, kInt32 };

const char* dtype_name(DType dtype);

// Dense, row-major (TF's NHWC order for images), batch included in `shape`.
struct HostTensor {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<float> f32;    // used when dtype == kFloat32
  std::vector<int32_t> i32;  // used when dtype == kInt32

  int64_t numel() const {
    return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  }
  static HostTensor floats(std::vector<int64_t> shape, std::vector<float> data) {
    return HostTensor{DType::kFloat32, std::move(shape), std::move(data), {}};
  }
  static HostTensor ints(std::vector<int64_t> shape, std::vector<int32_t> data) {
    return HostTensor{DType::kInt32, std::move(shape), {}, std::move(data)};
  }
};

std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace posecast

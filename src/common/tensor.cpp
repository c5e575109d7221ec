#include "posecast/tensor.h"

namespace posecast {

const char* dtype_name(DType dtype) { return dtype == DType::kInt32 ? "int32" : "float32"; }

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace posecast

// The op registry: one kernel factory per TF op name (ncnn-style). A factory runs once at load,
// sees the node's attributes and constant inputs, does the one-time work (weight layout,
// fused bias/activation) and returns the kernel that runs per frame.
//
// Tensors keep TF semantics (NHWC for images); convolutions view them as channels-last NCHW.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_def.h"

namespace posecast::engine {

using Tensors = std::vector<at::Tensor>;
using Kernel = std::function<Tensors(const Tensors& inputs)>;

// Thrown by factories and kernels; the engine adds the node's name and op.
struct OpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class KernelContext {
 public:
  KernelContext(const NodeDef& node, std::vector<std::optional<at::Tensor>> const_inputs)
      : node_(node), const_inputs_(std::move(const_inputs)) {}

  const NodeDef& node() const { return node_; }
  const Attrs& attrs() const { return node_.attrs; }
  size_t num_inputs() const { return node_.inputs.size(); }
  // The value of input i when it is a constant (a weight or folded at load), else nullptr.
  const at::Tensor* constant(size_t i) const;
  // Says that the kernel keeps its own prepared form of constant input i (packed weights) and
  // never reads it at run time, so the engine need not keep the original in memory.
  void absorb(size_t i) const;
  bool absorbed(size_t i) const { return i < absorbed_.size() && absorbed_[i]; }
  // Input i as constant integers; fails when it is not a constant.
  std::vector<int64_t> constant_ints(size_t i) const;
  void require_inputs(size_t n) const;
  [[noreturn]] void fail(const std::string& message) const { throw OpError(message); }

 private:
  const NodeDef& node_;
  std::vector<std::optional<at::Tensor>> const_inputs_;
  mutable std::vector<bool> absorbed_;
};

using KernelFactory = Kernel (*)(const KernelContext&);

class OpRegistry {
 public:
  static const OpRegistry& instance();
  void add(const std::string& op, KernelFactory factory) { factories_[op] = factory; }
  KernelFactory find(const std::string& op) const;
  std::vector<std::string> ops() const;

 private:
  std::map<std::string, KernelFactory> factories_;
};

// Each ops/*.cpp file registers its ops here (explicit calls: static registrars would be
// dropped by the linker from a static library).
void register_conv_ops(OpRegistry& registry);
void register_elementwise_ops(OpRegistry& registry);
void register_shape_ops(OpRegistry& registry);
void register_image_ops(OpRegistry& registry);
void register_reduce_ops(OpRegistry& registry);

// Helpers shared by the op files.
at::ScalarType to_torch(DType dtype);
std::vector<int64_t> to_int_vector(const at::Tensor& t);
// Normalises a possibly negative axis for a tensor of `rank` dimensions.
int64_t normalise_axis(int64_t axis, int64_t rank);

}  // namespace posecast::engine

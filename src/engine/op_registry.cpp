#include "op_registry.h"

namespace posecast::engine {

const at::Tensor* KernelContext::constant(size_t i) const {
  if (i >= const_inputs_.size() || !const_inputs_[i]) return nullptr;
  return &*const_inputs_[i];
}

void KernelContext::absorb(size_t i) const {
  if (!constant(i)) fail("input " + std::to_string(i) + " is not a constant to prepare");
  if (absorbed_.size() <= i) absorbed_.resize(i + 1, false);
  absorbed_[i] = true;
}

std::vector<int64_t> KernelContext::constant_ints(size_t i) const {
  const at::Tensor* t = constant(i);
  if (!t) fail("input " + std::to_string(i) + " must be a constant");
  return to_int_vector(*t);
}

void KernelContext::require_inputs(size_t n) const {
  if (node_.inputs.size() < n)
    fail("needs " + std::to_string(n) + " inputs, has " + std::to_string(node_.inputs.size()));
}

const OpRegistry& OpRegistry::instance() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_conv_ops(r);
    register_elementwise_ops(r);
    register_shape_ops(r);
    register_image_ops(r);
    register_reduce_ops(r);
    return r;
  }();
  return registry;
}

KernelFactory OpRegistry::find(const std::string& op) const {
  auto it = factories_.find(op);
  return it == factories_.end() ? nullptr : it->second;
}

std::vector<std::string> OpRegistry::ops() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;
}

at::ScalarType to_torch(DType dtype) { return dtype == DType::kInt32 ? at::kInt : at::kFloat; }

std::vector<int64_t> to_int_vector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kLong).contiguous().reshape({-1});
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

int64_t normalise_axis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max<int64_t>(rank, 1))
    throw OpError("axis " + std::to_string(axis) + " is out of range for rank " +
                  std::to_string(rank));
  return a;
}

}  // namespace posecast::engine

// Layout, padding and activation helpers shared by the op files.
#pragma once

#include <string>
#include <utility>

#include "op_registry.h"

namespace posecast::engine {

struct Padding2d {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  bool symmetric() const { return top == bottom && left == right; }
};

// TF's SAME padding for one dimension: (before, after); after gets the odd pixel.
inline std::pair<int64_t, int64_t> same_padding(int64_t in, int64_t k, int64_t stride,
                                                int64_t dilation) {
  int64_t out = (in + stride - 1) / stride;
  int64_t total = std::max<int64_t>((out - 1) * stride + (k - 1) * dilation + 1 - in, 0);
  return {total / 2, total - total / 2};
}

// NHWC tensor -> logical NCHW view (channels-last memory when x is contiguous NHWC). No copy.
inline at::Tensor nchw_view(const at::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}); }
inline at::Tensor nhwc_view(const at::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}); }

inline at::Tensor pad_nhwc(const at::Tensor& x, const Padding2d& p, double value) {
  return at::constant_pad_nd(x, {0, 0, p.left, p.right, p.top, p.bottom}, value);
}

inline std::string shape_of(const at::Tensor& t) {
  std::vector<int64_t> dims(t.sizes().begin(), t.sizes().end());
  return shape_string(dims);
}

struct Activation {
  enum Kind { kNone, kRelu, kRelu6, kLeakyRelu, kElu, kSigmoid, kTanh, kPrelu } kind = kNone;
  float alpha = 0.2f;
  at::Tensor prelu;  // per-channel slopes
};

inline Activation activation_from_name(const KernelContext& ctx, const std::string& op,
                                       const at::Tensor* alpha) {
  Activation a;
  if (op == "Relu")
    a.kind = Activation::kRelu;
  else if (op == "Relu6")
    a.kind = Activation::kRelu6;
  else if (op == "LeakyRelu")
    a.kind = Activation::kLeakyRelu, a.alpha = ctx.attrs().f("leakyrelu_alpha", 0.2f);
  else if (op == "Elu")
    a.kind = Activation::kElu;
  else if (op == "Sigmoid")
    a.kind = Activation::kSigmoid;
  else if (op == "Tanh")
    a.kind = Activation::kTanh;
  else if (op == "Prelu") {
    if (!alpha) ctx.fail("fused Prelu needs constant slopes");
    a.kind = Activation::kPrelu;
    a.prelu = alpha->to(at::kFloat).reshape({-1}).contiguous();
  } else
    ctx.fail("fused activation " + op + " is not supported");
  return a;
}

// In place; `y` is NHWC or a channels-last NCHW view (per-channel slopes follow the layout).
inline void apply_activation_(at::Tensor& y, const Activation& a) {
  switch (a.kind) {
    case Activation::kNone:
      break;
    case Activation::kRelu:
      y.relu_();
      break;
    case Activation::kRelu6:
      y.clamp_(0, 6);
      break;
    case Activation::kLeakyRelu:
      at::leaky_relu_(y, a.alpha);
      break;
    case Activation::kElu:
      at::elu_(y);
      break;
    case Activation::kSigmoid:
      y.sigmoid_();
      break;
    case Activation::kTanh:
      y.tanh_();
      break;
    case Activation::kPrelu: {
      bool nchw = y.dim() == 4 && y.size(1) == a.prelu.numel() && y.size(3) != a.prelu.numel();
      at::Tensor slope = nchw ? a.prelu.view({1, -1, 1, 1}) : a.prelu;
      y.copy_(at::where(y >= 0, y, y * slope));
      break;
    }
  }
}

}  // namespace posecast::engine

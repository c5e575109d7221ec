// Element-wise ops with TF broadcasting and dtype rules (int32 stays int32, comparisons give bool).
#include "ops/conv_util.h"
#include "xnn.h"

namespace posecast::engine {

namespace {

using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
using Unary = at::Tensor (*)(const at::Tensor&);

template <Binary F>
Kernel binary(const KernelContext& ctx) {
  ctx.require_inputs(2);
  return [](const Tensors& in) -> Tensors { return {F(in[0], in[1])}; };
}

template <Unary F>
Kernel unary(const KernelContext& ctx) {
  ctx.require_inputs(1);
  return [](const Tensors& in) -> Tensors { return {F(in[0])}; };
}

at::Tensor add(const at::Tensor& a, const at::Tensor& b) {
  // Residual adds feed XNNPACK convs: write them where those can read without a copy.
  if (a.dim() == 4 && a.sizes() == b.sizes() && a.scalar_type() == at::kFloat &&
      b.scalar_type() == at::kFloat) {
    at::Tensor out = xnn::empty_padded(a.sizes());
    at::add_out(out, a, b);
    return out;
  }
  return at::add(a, b);
}
at::Tensor sub(const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }
at::Tensor mul(const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }
at::Tensor real_div(const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }
at::Tensor floor_div(const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }
at::Tensor floor_mod(const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }
at::Tensor squared_difference(const at::Tensor& a, const at::Tensor& b) {
  at::Tensor d = at::sub(a, b);
  return d.mul_(d);
}
at::Tensor minimum(const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }
at::Tensor maximum(const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }
at::Tensor less(const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }
at::Tensor less_equal(const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }
at::Tensor greater(const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }
at::Tensor greater_equal(const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }
at::Tensor equal(const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }
at::Tensor not_equal(const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }
at::Tensor logical_and(const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }
at::Tensor logical_or(const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }
at::Tensor pow(const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }
at::Tensor bias_add(const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }

at::Tensor sigmoid(const at::Tensor& x) { return at::sigmoid(x); }
at::Tensor sqrt(const at::Tensor& x) { return at::sqrt(x); }
at::Tensor rsqrt(const at::Tensor& x) { return at::rsqrt(x); }
at::Tensor relu(const at::Tensor& x) { return at::relu(x); }
at::Tensor relu6(const at::Tensor& x) { return at::clamp(x, 0, 6); }
at::Tensor exp(const at::Tensor& x) { return at::exp(x); }
at::Tensor log(const at::Tensor& x) { return at::log(x); }
at::Tensor abs(const at::Tensor& x) { return at::abs(x); }
at::Tensor neg(const at::Tensor& x) { return at::neg(x); }
at::Tensor reciprocal(const at::Tensor& x) { return at::reciprocal(x); }
at::Tensor square(const at::Tensor& x) { return at::mul(x, x); }
at::Tensor tanh(const at::Tensor& x) { return at::tanh(x); }
at::Tensor floor(const at::Tensor& x) { return at::floor(x); }
at::Tensor ceil(const at::Tensor& x) { return at::ceil(x); }
at::Tensor round(const at::Tensor& x) { return at::round(x); }  // half to even, like TF
at::Tensor logical_not(const at::Tensor& x) { return at::logical_not(x); }
at::Tensor elu(const at::Tensor& x) { return at::elu(x); }
at::Tensor identity(const at::Tensor& x) { return x; }

Kernel leaky_relu(const KernelContext& ctx) {
  ctx.require_inputs(1);
  double alpha = ctx.attrs().f("alpha", 0.2f);
  return [alpha](const Tensors& in) -> Tensors { return {at::leaky_relu(in[0], alpha)}; };
}

Kernel prelu(const KernelContext& ctx) {
  ctx.require_inputs(2);
  return [](const Tensors& in) -> Tensors { return {at::where(in[0] >= 0, in[0], in[0] * in[1])}; };
}

Kernel clip_by_value(const KernelContext& ctx) {
  ctx.require_inputs(3);
  return
      [](const Tensors& in) -> Tensors { return {at::minimum(at::maximum(in[0], in[1]), in[2])}; };
}

// Select (v1): a 1-D condition picks whole rows of t/e; SelectV2 broadcasts.
Kernel select(const KernelContext& ctx) {
  ctx.require_inputs(3);
  return [](const Tensors& in) -> Tensors {
    at::Tensor cond = in[0].to(at::kBool);
    const at::Tensor& t = in[1];
    if (cond.dim() == 1 && t.dim() > 1) {
      std::vector<int64_t> shape(t.dim(), 1);
      shape[0] = cond.size(0);
      cond = cond.view(shape);
    }
    return {at::where(cond, t, in[2])};
  };
}

Kernel add_n(const KernelContext& ctx) {
  ctx.require_inputs(1);
  return [](const Tensors& in) -> Tensors {
    at::Tensor sum = in[0].clone();
    for (size_t i = 1; i < in.size(); ++i) sum.add_(in[i]);
    return {sum};
  };
}

std::optional<at::ScalarType> tf_scalar_type(const std::string& tf) {
  if (tf == "DT_FLOAT") return at::kFloat;
  if (tf == "DT_INT32") return at::kInt;
  if (tf == "DT_INT64") return at::kInt;  // TF.js has no int64: it computes in int32
  if (tf == "DT_BOOL") return at::kBool;
  return std::nullopt;
}

Kernel cast(const KernelContext& ctx) {
  ctx.require_inputs(1);
  std::string dst = ctx.attrs().type_name("DstT");
  auto type = tf_scalar_type(dst);
  if (!type) ctx.fail("cast to " + dst + " is not supported");
  at::ScalarType t = *type;
  return [t](const Tensors& in) -> Tensors { return {in[0].to(t)}; };
}

}  // namespace

void register_elementwise_ops(OpRegistry& r) {
  r.add("Add", binary<add>);
  r.add("AddV2", binary<add>);
  r.add("BiasAdd", binary<bias_add>);
  r.add("Sub", binary<sub>);
  r.add("Mul", binary<mul>);
  r.add("RealDiv", binary<real_div>);
  r.add("Div", binary<real_div>);
  r.add("FloorDiv", binary<floor_div>);
  r.add("FloorMod", binary<floor_mod>);
  r.add("SquaredDifference", binary<squared_difference>);
  r.add("Minimum", binary<minimum>);
  r.add("Maximum", binary<maximum>);
  r.add("Less", binary<less>);
  r.add("LessEqual", binary<less_equal>);
  r.add("Greater", binary<greater>);
  r.add("GreaterEqual", binary<greater_equal>);
  r.add("Equal", binary<equal>);
  r.add("NotEqual", binary<not_equal>);
  r.add("LogicalAnd", binary<logical_and>);
  r.add("LogicalOr", binary<logical_or>);
  r.add("Pow", binary<pow>);
  r.add("Sigmoid", unary<sigmoid>);
  r.add("Sqrt", unary<sqrt>);
  r.add("Rsqrt", unary<rsqrt>);
  r.add("Relu", unary<relu>);
  r.add("Relu6", unary<relu6>);
  r.add("Elu", unary<elu>);
  r.add("Exp", unary<exp>);
  r.add("Log", unary<log>);
  r.add("Abs", unary<abs>);
  r.add("Neg", unary<neg>);
  r.add("Reciprocal", unary<reciprocal>);
  r.add("Square", unary<square>);
  r.add("Tanh", unary<tanh>);
  r.add("Floor", unary<floor>);
  r.add("Ceil", unary<ceil>);
  r.add("Round", unary<round>);
  r.add("LogicalNot", unary<logical_not>);
  r.add("Identity", unary<identity>);
  r.add("StopGradient", unary<identity>);
  r.add("LeakyRelu", leaky_relu);
  r.add("Prelu", prelu);
  r.add("ClipByValue", clip_by_value);
  r.add("Select", select);
  r.add("SelectV2", select);
  r.add("AddN", add_n);
  r.add("Cast", cast);
}

}  // namespace posecast::engine

// Reductions, arg-reductions and top-k.
#include "ops/conv_util.h"

namespace posecast::engine {

namespace {

std::vector<int64_t> axes_of(const at::Tensor& axes, int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t a : to_int_vector(axes)) out.push_back(normalise_axis(a, rank));
  return out;
}

enum class Reduce { kSum, kMax, kMin, kMean, kProd, kAll, kAny };

template <Reduce R>
Kernel reduce(const KernelContext& ctx) {
  ctx.require_inputs(2);
  const bool keep = ctx.attrs().b("keep_dims");
  return [keep](const Tensors& in) -> Tensors {
    at::Tensor x = in[0];
    std::vector<int64_t> axes = axes_of(in[1], x.dim());
    if (axes.empty()) return {x};
    if constexpr (R == Reduce::kSum) return {x.sum(axes, keep, x.scalar_type())};
    if constexpr (R == Reduce::kMean) return {x.mean(axes, keep)};
    if constexpr (R == Reduce::kMax) return {at::amax(x, axes, keep)};
    if constexpr (R == Reduce::kMin) return {at::amin(x, axes, keep)};
    // prod/all/any reduce one axis at a time (highest first so indices stay valid).
    std::sort(axes.rbegin(), axes.rend());
    for (int64_t a : axes) {
      if constexpr (R == Reduce::kProd) x = x.prod(a, keep, x.scalar_type());
      if constexpr (R == Reduce::kAll) x = x.to(at::kBool).all(a, keep);
      if constexpr (R == Reduce::kAny) x = x.to(at::kBool).any(a, keep);
    }
    return {x};
  };
}

template <bool Max>
Kernel arg_reduce(const KernelContext& ctx) {
  ctx.require_inputs(2);
  return [](const Tensors& in) -> Tensors {
    int64_t d = normalise_axis(to_int_vector(in[1]).at(0), in[0].dim());
    // Ties resolve to the first index, as in TF.
    at::Tensor idx = Max ? in[0].argmax(d) : in[0].argmin(d);
    return {idx.to(at::kInt)};
  };
}

// TopKV2: values and int32 indices, largest first; equal values keep their order (lower index
// first).
Kernel top_k(const KernelContext& ctx) {
  ctx.require_inputs(2);
  return [](const Tensors& in) -> Tensors {
    const at::Tensor& x = in[0];
    int64_t k = to_int_vector(in[1]).at(0);
    if (k < 0 || k > x.size(-1))
      throw OpError("k=" + std::to_string(k) + " is out of range for " + shape_of(x));
    auto [values, indices] = x.sort(/*stable=*/true, -1, /*descending=*/true);
    return {values.narrow(-1, 0, k).contiguous(), indices.narrow(-1, 0, k).to(at::kInt)};
  };
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add("Sum", reduce<Reduce::kSum>);
  r.add("Max", reduce<Reduce::kMax>);
  r.add("Min", reduce<Reduce::kMin>);
  r.add("Mean", reduce<Reduce::kMean>);
  r.add("Prod", reduce<Reduce::kProd>);
  r.add("All", reduce<Reduce::kAll>);
  r.add("Any", reduce<Reduce::kAny>);
  r.add("ArgMax", arg_reduce<true>);
  r.add("ArgMin", arg_reduce<false>);
  r.add("TopKV2", top_k);
}

}  // namespace posecast::engine

// Ops that move, select or reshape data with TF semantics.
#include <cstring>

#include "ops/conv_util.h"

namespace posecast::engine {

namespace {

// An input that is usually a constant: read once at load when it is, else per run.
struct IntArg {
  std::vector<int64_t> value;
  bool constant = false;
  size_t index = 0;
  static IntArg of(const KernelContext& ctx, size_t i) {
    IntArg a;
    a.index = i;
    if (const at::Tensor* c = ctx.constant(i)) {
      a.value = to_int_vector(*c);
      a.constant = true;
    }
    return a;
  }
  std::vector<int64_t> get(const Tensors& in) const {
    return constant ? value : to_int_vector(in[index]);
  }
};

Kernel reshape(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg shape = IntArg::of(ctx, 1);
  return [shape](const Tensors& in) -> Tensors { return {in[0].reshape(shape.get(in))}; };
}

Kernel expand_dims(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg axis = IntArg::of(ctx, 1);
  return [axis](const Tensors& in) -> Tensors {
    auto a = axis.get(in);
    if (a.size() != 1) throw OpError("axis must be a scalar");
    return {in[0].unsqueeze(normalise_axis(a[0], in[0].dim() + 1))};
  };
}

Kernel squeeze(const KernelContext& ctx) {
  ctx.require_inputs(1);
  std::vector<int64_t> dims = ctx.attrs().ints("squeeze_dims");
  if (dims.empty()) dims = ctx.attrs().ints("axis");
  return [dims](const Tensors& in) -> Tensors {
    at::Tensor x = in[0];
    if (dims.empty()) return {x.squeeze()};
    std::vector<int64_t> norm;
    for (int64_t d : dims) norm.push_back(normalise_axis(d, x.dim()));
    std::sort(norm.rbegin(), norm.rend());
    for (int64_t d : norm) {
      if (x.size(d) != 1)
        throw OpError("cannot squeeze dimension " + std::to_string(d) + " of " + shape_of(x));
      x = x.squeeze(d);
    }
    return {x};
  };
}

Kernel pack(const KernelContext& ctx) {
  ctx.require_inputs(1);
  int64_t axis = ctx.attrs().i("axis", 0);
  return [axis](const Tensors& in) -> Tensors {
    return {at::stack(in, normalise_axis(axis, in[0].dim() + 1))};
  };
}

Kernel unpack(const KernelContext& ctx) {
  ctx.require_inputs(1);
  int64_t axis = ctx.attrs().i("axis", 0);
  return [axis](const Tensors& in) -> Tensors {
    auto parts = at::unbind(in[0], normalise_axis(axis, in[0].dim()));
    return Tensors(parts.begin(), parts.end());
  };
}

Tensors concat_impl(const Tensors& values, int64_t axis) {
  int64_t rank = values[0].dim();
  return {at::cat(values, normalise_axis(axis, rank))};
}

Kernel concat_v2(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg axis = IntArg::of(ctx, ctx.num_inputs() - 1);
  return [axis](const Tensors& in) -> Tensors {
    return concat_impl(Tensors(in.begin(), in.end() - 1), axis.get(in).at(0));
  };
}

Kernel concat_v1(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg axis = IntArg::of(ctx, 0);
  return [axis](const Tensors& in) -> Tensors {
    return concat_impl(Tensors(in.begin() + 1, in.end()), axis.get(in).at(0));
  };
}

at::Tensor int32_vector(const std::vector<int64_t>& v) {
  return at::tensor(std::vector<int32_t>(v.begin(), v.end()), at::kInt);
}

Kernel shape(const KernelContext& ctx) {
  ctx.require_inputs(1);
  return [](const Tensors& in) -> Tensors { return {int32_vector(in[0].sizes().vec())}; };
}

Kernel size(const KernelContext& ctx) {
  ctx.require_inputs(1);
  return [](const Tensors& in) -> Tensors {
    return {at::scalar_tensor(static_cast<int32_t>(in[0].numel()), at::kInt)};
  };
}

// TF's StridedSlice with all five masks.
Kernel strided_slice(const KernelContext& ctx) {
  ctx.require_inputs(4);
  IntArg begin = IntArg::of(ctx, 1), end = IntArg::of(ctx, 2), strides = IntArg::of(ctx, 3);
  const int64_t begin_mask = ctx.attrs().i("begin_mask"), end_mask = ctx.attrs().i("end_mask"),
                ellipsis_mask = ctx.attrs().i("ellipsis_mask"),
                new_axis_mask = ctx.attrs().i("new_axis_mask"),
                shrink_mask = ctx.attrs().i("shrink_axis_mask");
  return [=](const Tensors& in) -> Tensors {
    at::Tensor t = in[0];
    auto b = begin.get(in), e = end.get(in), s = strides.get(in);
    const size_t n = b.size();
    if (e.size() != n || s.size() != n) throw OpError("begin, end and strides differ in length");
    int64_t consuming = 0;
    for (size_t i = 0; i < n; ++i)
      if (!(ellipsis_mask >> i & 1) && !(new_axis_mask >> i & 1)) ++consuming;
    const int64_t rank = in[0].dim();
    int64_t d = 0;
    for (size_t i = 0; i < n; ++i) {
      if (ellipsis_mask >> i & 1) {
        d += rank - consuming;
        continue;
      }
      if (new_axis_mask >> i & 1) {
        t = t.unsqueeze(d++);
        continue;
      }
      if (d >= t.dim())
        throw OpError("slice has more dimensions than the input " + shape_of(in[0]));
      const int64_t size = t.size(d);
      if (shrink_mask >> i & 1) {
        int64_t idx = b[i] < 0 ? b[i] + size : b[i];
        if (idx < 0 || idx >= size)
          throw OpError("index " + std::to_string(b[i]) + " out of range for size " +
                        std::to_string(size));
        t = t.select(d, idx);
        continue;
      }
      const int64_t st = s[i];
      if (st == 0) throw OpError("stride is 0");
      auto norm = [&](int64_t v, int64_t lo, int64_t hi) {
        return std::clamp(v < 0 ? v + size : v, lo, hi);
      };
      if (st > 0) {
        int64_t start = (begin_mask >> i & 1) ? 0 : norm(b[i], 0, size);
        int64_t stop = (end_mask >> i & 1) ? size : norm(e[i], 0, size);
        t = t.slice(d, start, std::max(start, stop), st);
      } else {
        int64_t start = (begin_mask >> i & 1) ? size - 1 : norm(b[i], -1, size - 1);
        int64_t stop = (end_mask >> i & 1) ? -1 : norm(e[i], -1, size - 1);
        int64_t count = start > stop ? (start - stop + (-st) - 1) / (-st) : 0;
        // Negative steps: flip, then a positive-step slice from the mirrored start.
        t = t.flip(d).slice(d, size - 1 - start, size - 1 - start + count * (-st), -st);
      }
      ++d;
    }
    return {t};
  };
}

Kernel slice(const KernelContext& ctx) {
  ctx.require_inputs(3);
  IntArg begin = IntArg::of(ctx, 1), sizes = IntArg::of(ctx, 2);
  return [begin, sizes](const Tensors& in) -> Tensors {
    at::Tensor t = in[0];
    auto b = begin.get(in), s = sizes.get(in);
    if (static_cast<int64_t>(b.size()) != t.dim() || s.size() != b.size())
      throw OpError("begin/size do not match the input rank");
    for (int64_t d = 0; d < t.dim(); ++d) {
      int64_t len = s[d] < 0 ? t.size(d) - b[d] : s[d];
      t = t.narrow(d, b[d], len);
    }
    return {t};
  };
}

Kernel range(const KernelContext& ctx) {
  ctx.require_inputs(3);
  return [](const Tensors& in) -> Tensors {
    if (in[0].is_floating_point())
      return {
          at::arange(in[0].item<double>(), in[1].item<double>(), in[2].item<double>(), at::kFloat)};
    return {
        at::arange(in[0].item<int64_t>(), in[1].item<int64_t>(), in[2].item<int64_t>(), at::kInt)};
  };
}

Kernel tile(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg multiples = IntArg::of(ctx, 1);
  return [multiples](const Tensors& in) -> Tensors { return {in[0].repeat(multiples.get(in))}; };
}

Kernel fill(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg dims = IntArg::of(ctx, 0);
  return [dims](const Tensors& in) -> Tensors {
    return {at::full(dims.get(in), in[1].item(), at::TensorOptions().dtype(in[1].scalar_type()))};
  };
}

Kernel split(const KernelContext& ctx) {
  ctx.require_inputs(2);
  int64_t num = ctx.attrs().i("num_split", 1);
  IntArg axis = IntArg::of(ctx, 0);
  return [num, axis](const Tensors& in) -> Tensors {
    const at::Tensor& x = in[1];
    int64_t d = normalise_axis(axis.get(in).at(0), x.dim());
    if (num <= 0 || x.size(d) % num)
      throw OpError("cannot split " + shape_of(x) + " into " + std::to_string(num));
    auto parts = x.split(x.size(d) / num, d);
    return Tensors(parts.begin(), parts.end());
  };
}

Kernel split_v(const KernelContext& ctx) {
  ctx.require_inputs(3);
  IntArg sizes = IntArg::of(ctx, 1), axis = IntArg::of(ctx, 2);
  return [sizes, axis](const Tensors& in) -> Tensors {
    const at::Tensor& x = in[0];
    int64_t d = normalise_axis(axis.get(in).at(0), x.dim());
    auto s = sizes.get(in);
    int64_t known = 0, unknown = -1;
    for (size_t i = 0; i < s.size(); ++i)
      (s[i] < 0 ? unknown = static_cast<int64_t>(i) : known += s[i]);
    if (unknown >= 0) s[unknown] = x.size(d) - known;
    auto parts = x.split_with_sizes(s, d);
    return Tensors(parts.begin(), parts.end());
  };
}

Kernel transpose(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg perm = IntArg::of(ctx, 1);
  return [perm](const Tensors& in) -> Tensors { return {in[0].permute(perm.get(in))}; };
}

Kernel pad(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg paddings = IntArg::of(ctx, 1);
  const bool has_value = ctx.num_inputs() > 2;
  return [paddings, has_value](const Tensors& in) -> Tensors {
    auto p = paddings.get(in);
    const at::Tensor& x = in[0];
    if (static_cast<int64_t>(p.size()) != 2 * x.dim())
      throw OpError("paddings do not match the input rank");
    std::vector<int64_t> spec;  // torch: last dimension first
    for (int64_t d = x.dim() - 1; d >= 0; --d) spec.insert(spec.end(), {p[2 * d], p[2 * d + 1]});
    double value = has_value ? in[2].item<double>() : 0.0;
    return {at::constant_pad_nd(x, spec, value)};
  };
}

// NHWC: out[n, h*bs+i, w*bs+j, c] = in[n, h, w, (i*bs+j)*C + c].
Kernel depth_to_space(const KernelContext& ctx) {
  ctx.require_inputs(1);
  int64_t bs = ctx.attrs().i("block_size", 0);
  if (bs < 1) ctx.fail("block_size must be positive");
  if (ctx.attrs().s("data_format", "NHWC") != "NHWC") ctx.fail("only NHWC is supported");
  return [bs](const Tensors& in) -> Tensors {
    const at::Tensor& x = in[0];
    if (x.dim() != 4 || x.size(3) % (bs * bs))
      throw OpError("input " + shape_of(x) + " does not fit block size " + std::to_string(bs));
    int64_t n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3) / (bs * bs);
    return {x.reshape({n, h, w, bs, bs, c})
                .permute({0, 1, 3, 2, 4, 5})
                .reshape({n, h * bs, w * bs, c})};
  };
}

// GatherNd: indices [..., K] address the first K dimensions of params. One copy per index row
// in plain C++: MoveNet gathers a few dozen values a frame, where a chain of tensor ops took
// longer than a convolution.
Kernel gather_nd(const KernelContext& ctx) {
  ctx.require_inputs(2);
  return [](const Tensors& in) -> Tensors {
    const at::Tensor params = in[0].contiguous();
    const at::Tensor idx = in[1].to(at::kLong).contiguous();
    const int64_t k = idx.dim() == 0 ? 0 : idx.size(-1);
    if (idx.dim() == 0 || k > params.dim())
      throw OpError("indices " + shape_of(in[1]) + " cannot address " + shape_of(params));
    std::vector<int64_t> out_shape(idx.sizes().begin(), idx.sizes().end() - 1);
    int64_t rows = 1, slice = 1;
    for (int64_t d : out_shape) rows *= d;
    for (int64_t d = k; d < params.dim(); ++d) {
      out_shape.push_back(params.size(d));
      slice *= params.size(d);
    }
    at::Tensor out = at::empty(out_shape, params.options());
    const size_t bytes = static_cast<size_t>(slice) * params.element_size();
    const auto* from = static_cast<const char*>(params.data_ptr());
    auto* to = static_cast<char*>(out.data_ptr());
    const int64_t* index = idx.data_ptr<int64_t>();
    for (int64_t r = 0; r < rows; ++r, index += k) {
      int64_t flat = 0;
      for (int64_t d = 0; d < k; ++d) {
        if (index[d] < 0 || index[d] >= params.size(d))
          throw OpError("index " + std::to_string(index[d]) + " is out of range for dimension " +
                        std::to_string(d) + " of " + shape_of(params));
        flat = flat * params.size(d) + index[d];
      }
      if (bytes) std::memcpy(to + r * bytes, from + flat * bytes, bytes);
    }
    return {out};
  };
}

Kernel gather_v2(const KernelContext& ctx) {
  ctx.require_inputs(2);
  if (ctx.attrs().i("batch_dims", 0) != 0) ctx.fail("batch_dims is not supported");
  const bool has_axis = ctx.num_inputs() > 2;
  IntArg axis = has_axis ? IntArg::of(ctx, 2) : IntArg{{0}, true, 0};
  return [axis](const Tensors& in) -> Tensors {
    const at::Tensor& params = in[0];
    int64_t d = normalise_axis(axis.get(in).at(0), params.dim());
    at::Tensor idx = in[1].to(at::kLong);
    at::Tensor g = params.index_select(d, idx.reshape({-1}));
    std::vector<int64_t> shape(params.sizes().begin(), params.sizes().begin() + d);
    shape.insert(shape.end(), idx.sizes().begin(), idx.sizes().end());
    shape.insert(shape.end(), params.sizes().begin() + d + 1, params.sizes().end());
    return {g.reshape(shape)};
  };
}

Kernel zeros_like(const KernelContext& ctx) {
  ctx.require_inputs(1);
  return [](const Tensors& in) -> Tensors { return {at::zeros_like(in[0])}; };
}

Kernel ones_like(const KernelContext& ctx) {
  ctx.require_inputs(1);
  return [](const Tensors& in) -> Tensors { return {at::ones_like(in[0])}; };
}

Kernel broadcast_to(const KernelContext& ctx) {
  ctx.require_inputs(2);
  IntArg shape = IntArg::of(ctx, 1);
  return [shape](const Tensors& in) -> Tensors { return {in[0].expand(shape.get(in))}; };
}

}  // namespace

void register_shape_ops(OpRegistry& r) {
  r.add("Reshape", reshape);
  r.add("ExpandDims", expand_dims);
  r.add("Squeeze", squeeze);
  r.add("Pack", pack);
  r.add("Unpack", unpack);
  r.add("ConcatV2", concat_v2);
  r.add("Concat", concat_v1);
  r.add("Shape", shape);
  r.add("Size", size);
  r.add("StridedSlice", strided_slice);
  r.add("Slice", slice);
  r.add("Range", range);
  r.add("Tile", tile);
  r.add("Fill", fill);
  r.add("Split", split);
  r.add("SplitV", split_v);
  r.add("Transpose", transpose);
  r.add("Pad", pad);
  r.add("PadV2", pad);
  r.add("DepthToSpace", depth_to_space);
  r.add("GatherNd", gather_nd);
  r.add("GatherV2", gather_v2);
  r.add("ZerosLike", zeros_like);
  r.add("OnesLike", ones_like);
  r.add("BroadcastTo", broadcast_to);
}

}  // namespace posecast::engine

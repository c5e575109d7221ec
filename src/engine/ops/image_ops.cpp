// Resizing and pooling on NHWC tensors.
#include "ops/conv_util.h"

namespace posecast::engine {

namespace {

// Source coordinates and weights for one axis, exactly as TF computes them.
struct Lerp {
  at::Tensor lo, hi, frac;
};

Lerp lerp_axis(int64_t in, int64_t out, bool align_corners, bool half_pixel) {
  std::vector<int64_t> lo(out), hi(out);
  std::vector<float> frac(out);
  const double scale =
      (align_corners && out > 1) ? double(in - 1) / double(out - 1) : double(in) / double(out);
  for (int64_t i = 0; i < out; ++i) {
    double src = half_pixel ? (i + 0.5) * scale - 0.5 : i * scale;
    double f = std::floor(src);
    lo[i] = std::clamp<int64_t>(static_cast<int64_t>(f), 0, in - 1);
    hi[i] = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(src)), 0, in - 1);
    frac[i] = static_cast<float>(src - f);
  }
  return {at::tensor(lo), at::tensor(hi), at::tensor(frac)};
}

Kernel resize_bilinear(const KernelContext& ctx) {
  ctx.require_inputs(2);
  const bool align = ctx.attrs().b("align_corners"), half = ctx.attrs().b("half_pixel_centers");
  if (align && half) ctx.fail("align_corners and half_pixel_centers cannot both be set");
  const at::Tensor* size_const = ctx.constant(1);
  std::vector<int64_t> fixed = size_const ? to_int_vector(*size_const) : std::vector<int64_t>{};
  return [align, half, fixed](const Tensors& in) -> Tensors {
    auto size = fixed.empty() ? to_int_vector(in[1]) : fixed;
    const at::Tensor& x = in[0];
    if (size.size() != 2 || x.dim() != 4) throw OpError("needs a 4-D image and a size of 2 values");
    at::Tensor xf = x.to(at::kFloat);
    if (half || align) {
      // LibTorch's bilinear kernel (channels-last) computes TF's half-pixel and align-corners
      // modes.
      at::Tensor y = at::upsample_bilinear2d(nchw_view(xf.contiguous()), {size[0], size[1]}, align);
      return {nhwc_view(y)};
    }
    // TF's legacy mode (src = dst * in/out) has no LibTorch equivalent: gather and blend.
    Lerp ly = lerp_axis(x.size(1), size[0], false, false),
         lx = lerp_axis(x.size(2), size[1], false, false);
    at::Tensor top = xf.index_select(1, ly.lo), bottom = xf.index_select(1, ly.hi);
    at::Tensor rows = top + (bottom - top) * ly.frac.view({1, -1, 1, 1});
    at::Tensor left = rows.index_select(2, lx.lo), right = rows.index_select(2, lx.hi);
    return {left + (right - left) * lx.frac.view({1, 1, -1, 1})};
  };
}

Kernel resize_nearest(const KernelContext& ctx) {
  ctx.require_inputs(2);
  const bool align = ctx.attrs().b("align_corners"), half = ctx.attrs().b("half_pixel_centers");
  return [align, half](const Tensors& in) -> Tensors {
    auto size = to_int_vector(in[1]);
    const at::Tensor& x = in[0];
    auto index = [&](int64_t inn, int64_t out) {
      std::vector<int64_t> idx(out);
      const double scale =
          (align && out > 1) ? double(inn - 1) / double(out - 1) : double(inn) / double(out);
      for (int64_t i = 0; i < out; ++i) {
        double src = half ? (i + 0.5) * scale : i * scale;
        int64_t v =
            align ? static_cast<int64_t>(std::round(src)) : static_cast<int64_t>(std::floor(src));
        idx[i] = std::min(v, inn - 1);
      }
      return at::tensor(idx);
    };
    return {
        x.index_select(1, index(x.size(1), size[0])).index_select(2, index(x.size(2), size[1]))};
  };
}

struct PoolGeometry {
  int64_t kh, kw, sh, sw;
  std::string padding;
};

PoolGeometry pool_geometry(const KernelContext& ctx) {
  auto k = ctx.attrs().ints("ksize"), s = ctx.attrs().ints("strides");
  if (k.size() != 4 || s.size() != 4) ctx.fail("ksize and strides must have 4 values");
  if (k[0] != 1 || k[3] != 1) ctx.fail("pooling over batch or channels is not supported");
  std::string padding = ctx.attrs().s("padding", "VALID");
  if (padding != "SAME" && padding != "VALID") ctx.fail("padding " + padding + " is not supported");
  return {k[1], k[2], s[1], s[2], padding};
}

Kernel max_pool(const KernelContext& ctx) {
  ctx.require_inputs(1);
  PoolGeometry g = pool_geometry(ctx);
  return [g](const Tensors& in) -> Tensors {
    at::Tensor x = in[0];
    if (g.padding == "SAME") {
      auto [t, b] = same_padding(x.size(1), g.kh, g.sh, 1);
      auto [l, r] = same_padding(x.size(2), g.kw, g.sw, 1);
      x = pad_nhwc(x, {t, b, l, r}, -std::numeric_limits<double>::infinity());
    }
    return {nhwc_view(at::max_pool2d(nchw_view(x), {g.kh, g.kw}, {g.sh, g.sw}))};
  };
}

Kernel avg_pool(const KernelContext& ctx) {
  ctx.require_inputs(1);
  PoolGeometry g = pool_geometry(ctx);
  return [g](const Tensors& in) -> Tensors {
    const at::Tensor& x = in[0];
    if (g.padding == "VALID")
      return {nhwc_view(at::avg_pool2d(nchw_view(x), {g.kh, g.kw}, {g.sh, g.sw}))};
    // SAME: TF averages over the real pixels only: sum of the zero-padded window / count of real
    // pixels.
    auto [t, b] = same_padding(x.size(1), g.kh, g.sh, 1);
    auto [l, r] = same_padding(x.size(2), g.kw, g.sw, 1);
    at::Tensor sum =
        at::avg_pool2d(nchw_view(pad_nhwc(x, {t, b, l, r}, 0.0)), {g.kh, g.kw}, {g.sh, g.sw}) *
        double(g.kh * g.kw);
    at::Tensor ones = at::ones({1, x.size(1), x.size(2), 1}, x.options());
    at::Tensor count =
        at::avg_pool2d(nchw_view(pad_nhwc(ones, {t, b, l, r}, 0.0)), {g.kh, g.kw}, {g.sh, g.sw}) *
        double(g.kh * g.kw);
    return {nhwc_view(sum / count)};
  };
}

}  // namespace

void register_image_ops(OpRegistry& r) {
  r.add("ResizeBilinear", resize_bilinear);
  r.add("ResizeNearestNeighbor", resize_nearest);
  r.add("MaxPool", max_pool);
  r.add("AvgPool", avg_pool);
}

}  // namespace posecast::engine

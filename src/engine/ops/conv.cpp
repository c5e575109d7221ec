// Convolutions: Conv2D, _FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2dNative,
// Conv2DBackpropInput. Weights are re-laid out once at load; activations stay NHWC and are
// viewed as channels-last NCHW for LibTorch, so no per-frame layout copy is made.
#include <limits>

#include "ops/conv_util.h"
#include "xnn.h"

namespace posecast::engine {

namespace {

struct ConvGeometry {
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  std::string padding = "VALID";
  std::vector<int64_t> explicit_paddings;

  static ConvGeometry from(const KernelContext& ctx) {
    ConvGeometry g;
    auto strides = ctx.attrs().ints("strides");
    if (strides.size() == 4) g.sh = strides[1], g.sw = strides[2];
    auto dil = ctx.attrs().ints("dilations");
    if (dil.size() == 4) g.dh = dil[1], g.dw = dil[2];
    g.padding = ctx.attrs().s("padding", "VALID");
    g.explicit_paddings = ctx.attrs().ints("explicit_paddings");
    std::string fmt = ctx.attrs().s("data_format", "NHWC");
    if (fmt != "NHWC") ctx.fail("data_format " + fmt + " is not supported (only NHWC)");
    if (g.padding != "SAME" && g.padding != "VALID" && g.padding != "EXPLICIT")
      ctx.fail("padding " + g.padding + " is not supported");
    if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
      ctx.fail("strides and dilations must be positive");
    return g;
  }

  Padding2d pads(int64_t in_h, int64_t in_w, int64_t kh, int64_t kw) const {
    if (padding == "SAME") {
      auto [t, b] = same_padding(in_h, kh, sh, dh);
      auto [l, r] = same_padding(in_w, kw, sw, dw);
      return {t, b, l, r};
    }
    if (padding == "EXPLICIT" && explicit_paddings.size() == 8)
      return {explicit_paddings[2], explicit_paddings[3], explicit_paddings[4],
              explicit_paddings[5]};
    return {};
  }
};

// Bias and activation fused into a conv (TF's fused_ops, e.g. ["BiasAdd", "Relu6"]).
struct Fusion {
  at::Tensor bias;  // [Cout] or undefined
  Activation act;
};

Fusion read_fusion(const KernelContext& ctx, size_t first_arg, int64_t out_channels) {
  Fusion f;
  auto ops = ctx.attrs().strings("fused_ops");
  size_t arg = first_arg;
  for (size_t k = 0; k < ops.size(); ++k) {
    const std::string& op = ops[k];
    if (op == "BiasAdd") {
      const at::Tensor* b = ctx.constant(arg++);
      if (!b) ctx.fail("fused BiasAdd needs a constant bias");
      if (b->numel() != out_channels)
        ctx.fail("bias has " + std::to_string(b->numel()) + " values for " +
                 std::to_string(out_channels) + " channels");
      f.bias = b->to(at::kFloat).reshape({out_channels}).contiguous();
      ctx.absorb(arg - 1);
    } else if (k > 0) {
      const at::Tensor* alpha = (op == "Prelu") ? ctx.constant(arg++) : nullptr;
      f.act = activation_from_name(ctx, op, alpha);
      if (alpha) ctx.absorb(arg - 1);
    } else {
      ctx.fail("fused op sequence starting with " + op + " is not supported");
    }
  }
  return f;
}

// The XNNPACK path: NHWC in, NHWC out, TF padding and Relu/Relu6 done inside the kernel.
// Returns an empty kernel when XNNPACK cannot take this conv (the LibTorch path then does).
Kernel make_xnn_conv(const at::Tensor& filter, const Fusion& fusion, const ConvGeometry& g,
                     bool depthwise) {
  if (!xnn::available()) return {};
  const int64_t kh = filter.size(0), kw = filter.size(1), cin = filter.size(2), m = filter.size(3);
  const int64_t cout = depthwise ? cin * m : m;
  // Depthwise weights stay [kh, kw, Cin*mult] (XNNPACK's depthwise layout is TF's);
  // dense ones go [kh, kw, Cin, Cout] -> [Cout, kh, kw, Cin].
  at::Tensor w = depthwise ? filter.to(at::kFloat).contiguous()
                           : filter.to(at::kFloat).permute({3, 0, 1, 2}).contiguous();
  at::Tensor bias = fusion.bias.defined() ? fusion.bias : at::zeros({cout}, at::kFloat);
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  Activation after = fusion.act;
  if (fusion.act.kind == Activation::kRelu) lo = 0, after = {};
  if (fusion.act.kind == Activation::kRelu6) lo = 0, hi = 6, after = {};
  uint32_t pt = 0, pr = 0, pb = 0, pl = 0, flags = 0;
  if (g.padding == "SAME") flags |= XNN_FLAG_TENSORFLOW_SAME_PADDING;
  if (g.padding == "EXPLICIT") {
    Padding2d p = g.pads(0, 0, kh, kw);
    pt = p.top, pb = p.bottom, pl = p.left, pr = p.right;
  }
  if (depthwise) flags |= XNN_FLAG_DEPTHWISE_CONVOLUTION;
  xnn_operator_t op = nullptr;
  xnn_status st = xnn_create_convolution2d_nhwc_f32(
      pt, pr, pb, pl, kh, kw, g.sh, g.sw, g.dh, g.dw, depthwise ? cin : 1, depthwise ? 1 : cin,
      depthwise ? m : cout, cin, cout, w.data_ptr<float>(), bias.data_ptr<float>(), lo, hi, flags,
      &op);
  if (st != xnn_status_success) return {};
  xnn::Operator conv = xnn::adopt(op);  // XNNPACK packed the weights: w and bias may go
  return [conv, g, kh, kw, cin, cout, after](const Tensors& in) -> Tensors {
    const at::Tensor& x0 = in[0];
    if (x0.dim() != 4 || x0.size(3) != cin)
      throw OpError("input " + shape_of(x0) + " does not have " + std::to_string(cin) +
                    " channels");
    at::Tensor x = xnn::padded_input(x0);
    const int64_t n = x.size(0), h = x.size(1), wd = x.size(2);
    Padding2d p = g.pads(h, wd, kh, kw);
    const int64_t oh = (h + p.top + p.bottom - (kh - 1) * g.dh - 1) / g.sh + 1;
    const int64_t ow = (wd + p.left + p.right - (kw - 1) * g.dw - 1) / g.sw + 1;
    if (oh <= 0 || ow <= 0) throw OpError("input " + shape_of(x0) + " is smaller than the filter");
    at::Tensor y = xnn::empty_padded({n, oh, ow, cout});
    if (xnn_setup_convolution2d_nhwc_f32(conv.get(), n, h, wd, x.data_ptr<float>(),
                                         y.data_ptr<float>(),
                                         xnn::threadpool()) != xnn_status_success ||
        xnn_run_operator(conv.get(), xnn::threadpool()) != xnn_status_success)
      throw OpError("XNNPACK convolution failed on input " + shape_of(x0));
    apply_activation_(y, after);
    return {y};
  };
}

// General conv through LibTorch on a channels-last view (oneDNN / NNPACK / im2col inside).
Kernel make_conv(const KernelContext& ctx, bool depthwise, bool fused) {
  ctx.require_inputs(2);
  const at::Tensor* filter = ctx.constant(1);
  if (!filter || filter->dim() != 4) ctx.fail("the filter must be a constant 4-D tensor");
  ConvGeometry g = ConvGeometry::from(ctx);
  const int64_t kh = filter->size(0), kw = filter->size(1), cin = filter->size(2),
                m = filter->size(3);
  at::Tensor w;
  int64_t groups = 1, cout = m;
  if (depthwise) {
    // [kh, kw, Cin, mult] -> [Cin*mult, 1, kh, kw]; output channel c*mult + k, as in TF.
    w = filter->to(at::kFloat).permute({2, 3, 0, 1}).reshape({cin * m, 1, kh, kw});
    groups = cin;
    cout = cin * m;
  } else {
    w = filter->to(at::kFloat).permute({3, 2, 0, 1});  // [kh, kw, Cin, Cout] -> [Cout, Cin, kh, kw]
  }
  w = w.contiguous(at::MemoryFormat::ChannelsLast);
  Fusion fusion = fused ? read_fusion(ctx, 2, cout) : Fusion{};
  ctx.absorb(1);  // every path below keeps its own copy of the filter
  if (Kernel k = make_xnn_conv(*filter, fusion, g, depthwise)) return k;

  const bool pointwise = !depthwise && kh == 1 && kw == 1 && g.sh == 1 && g.sw == 1;
  if (pointwise) {
    // A 1x1 conv on NHWC data is one GEMM: [N*H*W, Cin] x [Cin, Cout] (+ bias).
    at::Tensor wm = filter->to(at::kFloat).reshape({cin, cout}).contiguous();
    at::Tensor bias = fusion.bias;
    Activation act = fusion.act;
    return [wm, bias, act, cin, cout](const Tensors& in) -> Tensors {
      const at::Tensor& x = in[0];
      if (x.dim() != 4 || x.size(3) != cin)
        throw OpError("input " + shape_of(x) + " does not have " + std::to_string(cin) +
                      " channels");
      at::Tensor x2 = x.contiguous().view({-1, cin});
      at::Tensor y = bias.defined() ? at::addmm(bias, x2, wm) : at::mm(x2, wm);
      apply_activation_(y, act);
      return {y.view({x.size(0), x.size(1), x.size(2), cout})};
    };
  }

  return [w, fusion, g, kh, kw, groups, cin](const Tensors& in) -> Tensors {
    const at::Tensor& x = in[0];
    if (x.dim() != 4 || x.size(3) != cin)
      throw OpError("input " + shape_of(x) + " does not have " + std::to_string(cin) + " channels");
    Padding2d p = g.pads(x.size(1), x.size(2), kh, kw);
    at::Tensor xin = x;
    int64_t ph = 0, pw = 0;
    if (p.symmetric()) {
      ph = p.top, pw = p.left;
    } else {
      xin = pad_nhwc(x, p, 0.0);
    }
    at::Tensor y =
        at::conv2d(nchw_view(xin), w, fusion.bias, {g.sh, g.sw}, {ph, pw}, {g.dh, g.dw}, groups);
    apply_activation_(y, fusion.act);
    return {nhwc_view(y)};
  };
}

Kernel conv2d(const KernelContext& ctx) { return make_conv(ctx, false, false); }
Kernel fused_conv2d(const KernelContext& ctx) { return make_conv(ctx, false, true); }
Kernel depthwise(const KernelContext& ctx) { return make_conv(ctx, true, false); }
Kernel fused_depthwise(const KernelContext& ctx) { return make_conv(ctx, true, true); }

// Conv2DBackpropInput(input_sizes, filter [kh, kw, Cout, Cin], out_backprop): a transposed conv.
Kernel conv2d_backprop_input(const KernelContext& ctx) {
  ctx.require_inputs(3);
  const at::Tensor* filter = ctx.constant(1);
  if (!filter || filter->dim() != 4) ctx.fail("the filter must be a constant 4-D tensor");
  ConvGeometry g = ConvGeometry::from(ctx);
  if (g.dh != 1 || g.dw != 1) ctx.fail("dilated transposed convolution is not supported");
  const int64_t kh = filter->size(0), kw = filter->size(1);
  // torch's conv_transpose2d weight is [Cin(of the transposed op), Cout, kh, kw].
  at::Tensor w =
      filter->to(at::kFloat).permute({3, 2, 0, 1}).contiguous(at::MemoryFormat::ChannelsLast);
  ctx.absorb(1);
  const at::Tensor* sizes_const = ctx.constant(0);
  std::vector<int64_t> fixed_sizes =
      sizes_const ? to_int_vector(*sizes_const) : std::vector<int64_t>{};
  return [w, g, kh, kw, fixed_sizes](const Tensors& in) -> Tensors {
    std::vector<int64_t> sizes = fixed_sizes.empty() ? to_int_vector(in[0]) : fixed_sizes;
    if (sizes.size() != 4) throw OpError("input_sizes must have 4 values");
    const at::Tensor& x = in[2];
    // Full transposed conv, then crop to where the forward conv's padding would put it.
    at::Tensor y = at::conv_transpose2d(nchw_view(x), w, {}, {g.sh, g.sw});
    Padding2d p = g.pads(sizes[1], sizes[2], kh, kw);
    y = y.narrow(2, p.top, sizes[1]).narrow(3, p.left, sizes[2]);
    return {nhwc_view(y)};
  };
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add("Conv2D", conv2d);
  r.add("_FusedConv2D", fused_conv2d);
  r.add("DepthwiseConv2dNative", depthwise);
  r.add("DepthwiseConv2d", depthwise);
  r.add("FusedDepthwiseConv2dNative", fused_depthwise);
  r.add("Conv2DBackpropInput", conv2d_backprop_input);
}

}  // namespace posecast::engine

// Each op against reference values: hand-computed for the small ones, naive loops written
// from TF's definitions for convolutions, pooling and resizing.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/tiny_graph.h"
#include "posecast/engine.h"

namespace posecast {
namespace {

using testing::TinyGraph;
using json = TinyGraph::json;

std::vector<HostTensor> run(const TinyGraph& g, const std::vector<HostTensor>& in) {
  auto m = GraphModel::load(g.write("op"));
  EXPECT_TRUE(m.ok()) << m.error().message();
  if (!m.ok()) return {};
  auto out = m->run(in);
  EXPECT_TRUE(out.ok()) << out.error().message();
  return out.ok() ? out.value() : std::vector<HostTensor>{};
}

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

void expect_near(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << "at " << i;
}

struct ConvCase {
  int h, w, cin, k, stride, dilation, mult;
  std::string padding;
  bool depthwise, relu6;
};

// Naive NHWC conv with TF's padding rules; filter [k, k, cin, cout] or depthwise [k, k, cin, mult].
std::vector<float> naive_conv(const ConvCase& c, const std::vector<float>& x,
                              const std::vector<float>& f, const std::vector<float>& bias, int& oh,
                              int& ow) {
  int cout = c.depthwise ? c.cin * c.mult : c.mult;
  int ek = (c.k - 1) * c.dilation + 1;
  int pt = 0, pl = 0;
  if (c.padding == "SAME") {
    oh = (c.h + c.stride - 1) / c.stride;
    ow = (c.w + c.stride - 1) / c.stride;
    pt = std::max((oh - 1) * c.stride + ek - c.h, 0) / 2;
    pl = std::max((ow - 1) * c.stride + ek - c.w, 0) / 2;
  } else {
    oh = (c.h - ek) / c.stride + 1;
    ow = (c.w - ek) / c.stride + 1;
  }
  std::vector<float> y(oh * ow * cout);
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int o = 0; o < cout; ++o) {
        double s = bias.empty() ? 0 : bias[o];
        for (int ky = 0; ky < c.k; ++ky)
          for (int kx = 0; kx < c.k; ++kx) {
            int iy = oy * c.stride - pt + ky * c.dilation,
                ix = ox * c.stride - pl + kx * c.dilation;
            if (iy < 0 || ix < 0 || iy >= c.h || ix >= c.w) continue;
            if (c.depthwise) {
              int ci = o / c.mult, m = o % c.mult;
              s += x[(iy * c.w + ix) * c.cin + ci] * f[((ky * c.k + kx) * c.cin + ci) * c.mult + m];
            } else {
              for (int ci = 0; ci < c.cin; ++ci)
                s += x[(iy * c.w + ix) * c.cin + ci] * f[((ky * c.k + kx) * c.cin + ci) * cout + o];
            }
          }
        if (c.relu6) s = std::clamp(s, 0.0, 6.0);
        y[(oy * ow + ox) * cout + o] = static_cast<float>(s);
      }
  return y;
}

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesNaiveReference) {
  const ConvCase c = GetParam();
  const int cout = c.depthwise ? c.cin * c.mult : c.mult;
  auto x = random_floats(c.h * c.w * c.cin, 1);
  auto f = random_floats(c.k * c.k * c.cin * c.mult, 2);
  auto bias = random_floats(cout, 3);
  TinyGraph g;
  g.input("x", {1, c.h, c.w, c.cin});
  g.const_f32("f", {c.k, c.k, c.cin, c.mult}, f);
  g.const_f32("b", {cout}, bias);
  json attr = {{"strides", TinyGraph::ints({1, c.stride, c.stride, 1})},
               {"dilations", TinyGraph::ints({1, c.dilation, c.dilation, 1})},
               {"padding", TinyGraph::s(c.padding)},
               {"data_format", TinyGraph::s("NHWC")},
               {"num_args", TinyGraph::i(1)}};
  attr["fused_ops"] =
      c.relu6 ? TinyGraph::strings({"BiasAdd", "Relu6"}) : TinyGraph::strings({"BiasAdd"});
  g.node("y", c.depthwise ? "FusedDepthwiseConv2dNative" : "_FusedConv2D", {"x", "f", "b"}, attr);
  g.output("y:0");
  auto out = run(g, {HostTensor::floats({1, c.h, c.w, c.cin}, x)});
  ASSERT_EQ(out.size(), 1u);
  int oh, ow;
  auto ref = naive_conv(c, x, f, bias, oh, ow);
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{1, oh, ow, cout}));
  expect_near(out[0].f32, ref, 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(
    Engine, ConvTest,
    ::testing::Values(
        ConvCase{7, 6, 3, 3, 1, 1, 4, "SAME", false, false},   // odd/even sizes
        ConvCase{8, 8, 3, 3, 2, 1, 5, "SAME", false, true},    // asymmetric SAME + Relu6
        ConvCase{6, 6, 8, 1, 1, 1, 3, "VALID", false, false},  // pointwise
        ConvCase{9, 7, 2, 3, 2, 1, 2, "VALID", false, false},
        ConvCase{9, 9, 2, 3, 1, 2, 2, "SAME", false, false},  // dilated
        ConvCase{8, 8, 4, 3, 1, 1, 1, "SAME", true, true},    // depthwise
        ConvCase{8, 6, 3, 3, 2, 1, 2, "SAME", true, false},   // depthwise, multiplier 2
        ConvCase{9, 9, 4, 5, 2, 1, 1, "VALID", true, false}),
    [](const ::testing::TestParamInfo<ConvCase>& info) {
      const ConvCase& c = info.param;
      return std::string(c.depthwise ? "Depthwise" : "Conv") + std::to_string(c.k) + "x" +
             std::to_string(c.k) + "_s" + std::to_string(c.stride) + "_d" +
             std::to_string(c.dilation) + "_" + c.padding + "_" + std::to_string(c.h) + "x" +
             std::to_string(c.w) + (c.relu6 ? "_Relu6" : "");
    });

TEST(Ops, Conv2DBackpropInputMatchesNaiveTransposedConv) {
  // out_backprop [1,3,3,2] -> output [1,6,6,1]; filter [3,3,1,2]; stride 2, SAME.
  const int ih = 3, cin = 2, oh = 6, k = 3;
  auto x = random_floats(ih * ih * cin, 4);
  auto f = random_floats(k * k * 1 * cin, 5);
  TinyGraph g;
  g.input("x", {1, ih, ih, cin});
  g.const_i32("sizes", {4}, {1, oh, oh, 1});
  g.const_f32("f", {k, k, 1, cin}, f);
  g.node("y", "Conv2DBackpropInput", {"sizes", "f", "x"},
         {{"strides", TinyGraph::ints({1, 2, 2, 1})}, {"padding", TinyGraph::s("SAME")}});
  g.output("y:0");
  auto out = run(g, {HostTensor::floats({1, ih, ih, cin}, x)});
  ASSERT_EQ(out.size(), 1u);
  // Transposed conv = gradient of the forward SAME conv: scatter each input through the filter.
  int pad = std::max((ih - 1) * 2 + k - oh, 0) / 2;
  std::vector<float> ref(oh * oh, 0.f);
  for (int iy = 0; iy < ih; ++iy)
    for (int ix = 0; ix < ih; ++ix)
      for (int ci = 0; ci < cin; ++ci)
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            int oy = iy * 2 - pad + ky, ox = ix * 2 - pad + kx;
            if (oy < 0 || ox < 0 || oy >= oh || ox >= oh) continue;
            ref[oy * oh + ox] += x[(iy * ih + ix) * cin + ci] * f[(ky * k + kx) * cin + ci];
          }
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{1, oh, oh, 1}));
  expect_near(out[0].f32, ref, 1e-5f);
}

// TF's bilinear resize written out: src = (dst + 0.5) * scale - 0.5 (half-pixel) or dst * scale.
std::vector<float> naive_resize(const std::vector<float>& x, int h, int w, int c, int oh, int ow,
                                bool half) {
  std::vector<float> y(oh * ow * c);
  auto axis = [&](int o, int in, int out, int& lo, int& hi, float& fr) {
    double scale = double(in) / out;
    double src = half ? (o + 0.5) * scale - 0.5 : o * scale;
    double fl = std::floor(src);
    lo = std::max(0, int(fl));
    hi = std::min(in - 1, int(std::ceil(src)));
    fr = float(src - fl);
  };
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox) {
      int y0, y1, x0, x1;
      float fy, fx;
      axis(oy, h, oh, y0, y1, fy);
      axis(ox, w, ow, x0, x1, fx);
      for (int ch = 0; ch < c; ++ch) {
        auto at = [&](int yy, int xx) { return x[(yy * w + xx) * c + ch]; };
        float top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        float bot = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        y[(oy * ow + ox) * c + ch] = top + (bot - top) * fy;
      }
    }
  return y;
}

TEST(Ops, ResizeBilinearHalfPixelAndLegacy) {
  for (bool half : {true, false}) {
    auto x = random_floats(5 * 4 * 2, 6);
    TinyGraph g;
    g.input("x", {1, 5, 4, 2});
    g.const_i32("size", {2}, {9, 7});
    g.node("y", "ResizeBilinear", {"x", "size"},
           {{"half_pixel_centers", TinyGraph::b(half)}, {"align_corners", TinyGraph::b(false)}});
    g.output("y:0");
    auto out = run(g, {HostTensor::floats({1, 5, 4, 2}, x)});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape, (std::vector<int64_t>{1, 9, 7, 2}));
    expect_near(out[0].f32, naive_resize(x, 5, 4, 2, 9, 7, half), 1e-5f);
  }
}

TEST(Ops, MaxPoolSameAndAvgPoolSameExcludePadding) {
  // 1x3x3x1 input 1..9; 2x2 windows, stride 2, SAME -> 2x2 output.
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9};
  json attr = {{"ksize", TinyGraph::ints({1, 2, 2, 1})},
               {"strides", TinyGraph::ints({1, 2, 2, 1})},
               {"padding", TinyGraph::s("SAME")}};
  TinyGraph g;
  g.input("x", {1, 3, 3, 1});
  g.node("mx", "MaxPool", {"x"}, attr);
  g.node("av", "AvgPool", {"x"}, attr);
  g.output("mx:0").output("av:0");
  auto out = run(g, {HostTensor::floats({1, 3, 3, 1}, x)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].f32, (std::vector<float>{5, 6, 8, 9}));
  expect_near(out[1].f32, {3.f, 4.5f, 7.5f, 9.f}, 1e-6f);  // edge windows average only real pixels
}

TEST(Ops, StridedSliceMasksAndNegativeStrides) {
  std::vector<float> x(2 * 3 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
  TinyGraph g;
  g.input("x", {2, 3, 4});
  g.const_i32("b1", {3}, {1, 0, 0});
  g.const_i32("e1", {3}, {2, 0, 0});
  g.const_i32("s1", {3}, {1, 1, 1});
  // x[1, :, :] (shrink axis 0, full axes 1 and 2 via masks)
  g.node("a", "StridedSlice", {"x", "b1", "e1", "s1"},
         {{"shrink_axis_mask", TinyGraph::i(1)},
          {"begin_mask", TinyGraph::i(6)},
          {"end_mask", TinyGraph::i(6)}});
  g.const_i32("b2", {2}, {0, -1});
  g.const_i32("e2", {2}, {0, 0});
  g.const_i32("s2", {2}, {1, -2});
  // x[..., ::-2]-like: ellipsis then the last axis reversed with step 2 from the end.
  g.node("c", "StridedSlice", {"x", "b2", "e2", "s2"},
         {{"ellipsis_mask", TinyGraph::i(1)}, {"end_mask", TinyGraph::i(2)}});
  g.output("a:0").output("c:0");
  auto out = run(g, {HostTensor::floats({2, 3, 4}, x)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(out[0].f32[0], 12.f);
  EXPECT_EQ(out[0].f32[11], 23.f);
  EXPECT_EQ(out[1].shape, (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(out[1].f32[0], 3.f);
  EXPECT_EQ(out[1].f32[1], 1.f);
}

TEST(Ops, IntegerSemanticsFollowTF) {
  TinyGraph g;
  g.input("x", {4}, "DT_INT32");
  g.const_i32("two", {}, {2});
  g.node("fd", "FloorDiv", {"x", "two"});
  g.node("xf", "Cast", {"x"}, {{"DstT", TinyGraph::type("DT_FLOAT")}});
  g.const_f32("third", {}, {0.35f});
  g.node("scaled", "Mul", {"xf", "third"});
  g.node("back", "Cast", {"scaled"}, {{"DstT", TinyGraph::type("DT_INT32")}});
  g.output("fd:0", "DT_INT32").output("back:0", "DT_INT32");
  auto out = run(g, {HostTensor::ints({4}, {-7, -1, 5, 7})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].i32, (std::vector<int32_t>{-4, -1, 2, 3}));  // floor, not truncation
  EXPECT_EQ(out[1].i32, (std::vector<int32_t>{-2, 0, 1, 2}));   // cast truncates toward zero
}

TEST(Ops, ArgMaxAndTopKResolveTiesToTheLowerIndex) {
  TinyGraph g;
  g.input("x", {1, 6});
  g.const_i32("axis", {}, {1});
  g.const_i32("k", {}, {3});
  g.node("am", "ArgMax", {"x", "axis"}, {{"output_type", TinyGraph::type("DT_INT32")}});
  g.node("tk", "TopKV2", {"x", "k"}, {{"sorted", TinyGraph::b(true)}});
  g.output("am:0", "DT_INT32").output("tk:0").output("tk:1", "DT_INT32");
  auto out = run(g, {HostTensor::floats({1, 6}, {0.5f, 0.9f, 0.1f, 0.9f, 0.7f, 0.9f})});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].i32, (std::vector<int32_t>{1}));
  EXPECT_EQ(out[1].f32, (std::vector<float>{0.9f, 0.9f, 0.9f}));
  EXPECT_EQ(out[2].i32, (std::vector<int32_t>{1, 3, 5}));
}

TEST(Ops, GatherNdPackUnpackConcat) {
  std::vector<float> p(2 * 3 * 2);
  for (size_t i = 0; i < p.size(); ++i) p[i] = float(i);
  TinyGraph g;
  g.input("p", {2, 3, 2});
  g.const_i32("idx", {2, 2}, {1, 2, 0, 1});
  g.node("gn", "GatherNd", {"p", "idx"});
  g.node("un", "Unpack", {"gn"}, {{"axis", TinyGraph::i(1)}, {"num", TinyGraph::i(2)}});
  g.node("pk", "Pack", {"un:1", "un:0"}, {{"axis", TinyGraph::i(0)}});
  g.const_i32("ax", {}, {-1});
  g.node("cc", "ConcatV2", {"gn", "gn", "ax"});
  g.output("gn:0").output("pk:0").output("cc:0");
  auto out = run(g, {HostTensor::floats({2, 3, 2}, p)});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].f32, (std::vector<float>{10, 11, 2, 3}));
  EXPECT_EQ(out[1].f32, (std::vector<float>{11, 3, 10, 2}));
  EXPECT_EQ(out[2].shape, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(out[2].f32, (std::vector<float>{10, 11, 10, 11, 2, 3, 2, 3}));
}

TEST(Ops, DepthToSpaceAndPad) {
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8};  // [1,1,2,4] -> block 2 -> [1,2,4,1]
  TinyGraph g;
  g.input("x", {1, 1, 2, 4});
  g.node("d", "DepthToSpace", {"x"},
         {{"block_size", TinyGraph::i(2)}, {"data_format", TinyGraph::s("NHWC")}});
  g.const_i32("pads", {4, 2}, {0, 0, 1, 0, 0, 1, 0, 0});
  g.node("p", "Pad", {"d", "pads"});
  g.output("d:0").output("p:0");
  auto out = run(g, {HostTensor::floats({1, 1, 2, 4}, x)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{1, 2, 4, 1}));
  EXPECT_EQ(out[0].f32, (std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8}));
  EXPECT_EQ(out[1].shape, (std::vector<int64_t>{1, 3, 5, 1}));
  EXPECT_EQ(out[1].f32[5], 1.f);
  EXPECT_EQ(out[1].f32[4], 0.f);
}

TEST(Ops, ShapeRangeTileFillSplitSelectReduce) {
  TinyGraph g;
  g.input("x", {2, 3});
  g.node("sh", "Shape", {"x"});
  g.const_i32("start", {}, {1});
  g.const_i32("lim", {}, {7});
  g.const_i32("delta", {}, {2});
  g.node("rg", "Range", {"start", "lim", "delta"});
  g.const_i32("mult", {2}, {1, 2});
  g.node("tl", "Tile", {"x", "mult"});
  g.const_i32("ax1", {}, {1});
  g.node("sp", "Split", {"ax1", "tl"}, {{"num_split", TinyGraph::i(2)}});
  g.node("gt", "Greater", {"x", "sp:1"});
  g.node("sl", "Select", {"gt", "x", "sp:0"});
  g.node("mx", "Max", {"x", "ax1"}, {{"keep_dims", TinyGraph::b(true)}});
  g.node("sm", "Sum", {"x", "ax1"}, {{"keep_dims", TinyGraph::b(false)}});
  g.const_i32("dims", {1}, {2});
  g.const_f32("v", {}, {2.5f});
  g.node("fl", "Fill", {"dims", "v"});
  g.output("sh:0", "DT_INT32")
      .output("rg:0", "DT_INT32")
      .output("tl:0")
      .output("mx:0")
      .output("sm:0")
      .output("fl:0")
      .output("sl:0");
  auto out = run(g, {HostTensor::floats({2, 3}, {1, -2, 3, 4, 5, -6})});
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(out[0].i32, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(out[1].i32, (std::vector<int32_t>{1, 3, 5}));
  EXPECT_EQ(out[2].shape, (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(out[3].f32, (std::vector<float>{3, 5}));
  EXPECT_EQ(out[3].shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(out[4].f32, (std::vector<float>{2, 3}));
  EXPECT_EQ(out[5].f32, (std::vector<float>{2.5f, 2.5f}));
  EXPECT_EQ(out[6].f32, (std::vector<float>{1, -2, 3, 4, 5, -6}));
}

TEST(Ops, ElementwiseAndActivations) {
  TinyGraph g;
  g.input("x", {4});
  g.const_f32("c", {4}, {1, 1, 1, 1});
  g.node("sd", "SquaredDifference", {"x", "c"});
  g.node("r6", "Relu6", {"x"});
  g.node("sg", "Sigmoid", {"x"});
  g.node("rd", "RealDiv", {"x", "c"});
  g.node("mn", "Minimum", {"x", "c"});
  g.output("sd:0").output("r6:0").output("sg:0").output("rd:0").output("mn:0");
  auto out = run(g, {HostTensor::floats({4}, {-1, 0.5f, 3, 8})});
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].f32, (std::vector<float>{4, 0.25f, 4, 49}));
  EXPECT_EQ(out[1].f32, (std::vector<float>{0, 0.5f, 3, 6}));
  EXPECT_NEAR(out[2].f32[0], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_EQ(out[4].f32, (std::vector<float>{-1, 0.5f, 1, 1}));
}

}  // namespace
}  // namespace posecast

// Whole models against the official TF.js runtime's outputs on the same input
// (tests/data/golden/*.json, made by scripts/make-goldens.sh): within 1e-3 absolute.
// Outputs in pixel units (BlazePose landmarks and boxes, up to ~250) also get 1e-5 of the output's
// largest magnitude: two correct fp32 implementations that sum long dot products in different
// orders differ by about that much (TF.js rounds after every addition), whatever the element.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "posecast/engine.h"
#include "posecast/model_store.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = fs::path(POSECAST_TEST_DATA) / "golden";

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesTfjsWithin1e3) {
  const std::string name = GetParam();
  auto model_path = find_model(name);
  if (!model_path.ok()) GTEST_SKIP() << model_path.error().message();
  std::ifstream gf(kGolden / (name + ".json"));
  ASSERT_TRUE(gf) << "no golden file for " << name;
  auto golden = nlohmann::json::parse(gf);

  cv::Mat bgr =
      cv::imread((kGolden / golden["input"].get<std::string>()).string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty());
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  const std::vector<int64_t> shape{1, rgb.rows, rgb.cols, 3};
  HostTensor input;
  if (golden["input_dtype"] == "int32") {
    input = HostTensor::ints(shape, std::vector<int32_t>(rgb.data, rgb.data + rgb.total() * 3));
  } else {
    const float scale = golden["input_scale"].get<float>();
    std::vector<float> v(rgb.total() * 3);
    for (size_t i = 0; i < v.size(); ++i) v[i] = rgb.data[i] / scale;
    input = HostTensor::floats(shape, std::move(v));
  }

  auto model = GraphModel::load(model_path.value());
  ASSERT_TRUE(model.ok()) << model.error().message();
  auto out = model->run({input});
  ASSERT_TRUE(out.ok()) << out.error().message();

  for (const auto& g : golden["outputs"]) {
    const std::string oname = g["name"].get<std::string>();
    size_t k = 0;
    while (k < model->outputs().size() && model->outputs()[k].name != oname &&
           model->outputs()[k].name != oname + ":0")
      ++k;
    ASSERT_LT(k, model->outputs().size()) << "the model has no output " << oname;
    const HostTensor& ours = out.value()[k];
    EXPECT_EQ(ours.shape, g["shape"].get<std::vector<int64_t>>()) << oname;
    const size_t stride = g["stride"].get<size_t>();
    const auto& data = g["data"];
    double scale = 0;
    for (const auto& v : data) scale = std::max(scale, std::abs(v.get<double>()));
    const double allowed = 1e-3 + 1e-5 * scale;
    double worst = 0, worst_excess = -1;
    size_t worst_at = 0;
    for (size_t i = 0; i < data.size(); ++i) {
      const size_t j = i * stride;
      ASSERT_LT(j, ours.f32.size());
      const double want = data[i].get<double>();
      const double d = std::abs(double(ours.f32[j]) - want);
      const double excess = d - allowed;
      worst = std::max(worst, d);
      if (excess > worst_excess) worst_excess = excess, worst_at = j;
    }
    EXPECT_LE(worst_excess, 0.0) << name << " output " << oname << ": element " << worst_at
                                 << " is off by " << (worst_excess + allowed) << ", allowed "
                                 << allowed;
    std::cout << "[ golden ] " << name << " " << oname << ": max |difference| " << worst << "\n";
  }

  // Two threads split the convolutions' work, not their sums: the same outputs.
  auto two = GraphModel::load(model_path.value(), EngineOptions{2});
  ASSERT_TRUE(two.ok()) << two.error().message();
  auto out2 = two->run({input});
  ASSERT_TRUE(out2.ok()) << out2.error().message();
  ASSERT_EQ(out2->size(), out->size());
  for (size_t k = 0; k < out->size(); ++k) {
    const std::vector<float>&a = (*out)[k].f32, &b = (*out2)[k].f32;
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(a[i], b[i], 1e-4 * (1 + std::abs(a[i])))
          << name << " output " << k << " at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest,
                         ::testing::Values("movenet-lightning", "movenet-thunder",
                                           "movenet-multipose", "selfie", "blazepose-detector",
                                           "blazepose-full"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace posecast

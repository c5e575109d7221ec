// `--background keep|remove` end to end: the real binary classifying photos and running live.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "posecast/model_store.h"
#include "stream/test_client.h"
#include "test_paths.h"
#include "train/demo_photos.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace posecast::testing;
using namespace std::chrono_literals;

std::string models_or_selfie_missing() {
  if (std::string missing = models_missing(); !missing.empty()) return missing;
  Result<fs::path> selfie = find_model("selfie");
  return selfie ? "" : "needs the selfie model: " + selfie.error().message();
}

// Mean distance in pixels between the keypoints both runs saw with score >= 0.3.
double keypoint_shift(const json& a, const json& b) {
  double sum = 0;
  int n = 0;
  for (size_t k = 0; k < a["keypoints"].size(); ++k) {
    const json &p = a["keypoints"][k], &q = b["keypoints"][k];
    if (p["score"].get<double>() < 0.3 || q["score"].get<double>() < 0.3) continue;
    sum += std::hypot(p["x"].get<double>() - q["x"].get<double>(),
                      p["y"].get<double>() - q["y"].get<double>());
    ++n;
  }
  return n > 0 ? sum / n : 1e9;
}

class BackgroundCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_background_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// On a photo whose background is already plain (the demo figure on its studio backdrop) and on the
// footballer on grass, removing the background changes neither the decision nor, much, the body.
TEST_F(BackgroundCli, ClassifyDecidesAsWithoutOnCleanPhotos) {
  if (std::string missing = models_or_selfie_missing(); !missing.empty()) GTEST_SKIP() << missing;
  std::vector<fs::path> photos = write_demo_photos(dir_, {{"tree", "tree"}}, 1);
  ASSERT_EQ(photos.size(), 1u);
  photos.push_back(fs::path(POSECAST_TEST_DATA) / "person.jpg");
  std::vector<json> lines[2];
  const char* modes[2] = {"keep", "remove"};
  for (int m = 0; m < 2; ++m) {
    CliRun run = run_posecast(
        {"classify", "--background", modes[m], photos[0].string(), photos[1].string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    for (const std::string& line : run.out_lines()) lines[m].push_back(json::parse(line));
    ASSERT_EQ(lines[m].size(), 2u) << run.out;
  }
  EXPECT_EQ(lines[0][0]["decision"], "tree") << lines[0][0].dump();
  EXPECT_EQ(lines[1][0]["decision"], "tree") << lines[1][0].dump();
  EXPECT_EQ(lines[1][1]["decision"], lines[0][1]["decision"]) << lines[1][1].dump();
  for (int i = 0; i < 2; ++i) {
    const double shift = keypoint_shift(lines[0][i], lines[1][i]);
    EXPECT_LT(shift, 8.0) << photos[i] << ": keypoints moved by " << shift << " px on average";
  }
}

TEST(BackgroundCliOptions, ABadValueIsRejectedByName) {
  const std::string person = (fs::path(POSECAST_TEST_DATA) / "person.jpg").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"classify", "--background", "blur", person},
        {"eval", "--background", "blur", "--data", "/nonexistent"},
        {"train", "pose", "--background", "blur", "--data", "/nonexistent", "--out", "/tmp/x"},
        {"run", "--background", "blur", "--source", "demo", "--seconds", "1"}}) {
    CliRun run = run_posecast(args);
    EXPECT_NE(run.exit_code, 0) << args[0];
    EXPECT_NE(run.err.find("--background"), std::string::npos) << args[0] << ": " << run.err;
    EXPECT_NE(run.err.find("blur"), std::string::npos) << args[0] << ": " << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
}

// The live pipeline with removal on: /api/status names the mode and times segmentation as its own
// stage, and /metrics exports it.
TEST(BackgroundRun, StatusReportsTheSegmentationStage) {
  if (std::string missing = models_or_selfie_missing(); !missing.empty()) GTEST_SKIP() << missing;
  PosecastProcess posecast({"run", "--source", "demo", "--background", "remove", "--http",
                            "127.0.0.1:0", "--no-auth", "--seconds", "30", "--size", "640x480"});
  ASSERT_TRUE(posecast.started()) << posecast.error();
  ASSERT_TRUE(posecast.wait_for_url(20s)) << "no URL; stderr:\n" << posecast.err();
  json status;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
    HttpAnswer answer = http_get(posecast.port(), "/api/status");
    ASSERT_EQ(answer.status, 200) << answer.error;
    status = json::parse(answer.body);
    if (status["frames"]["analyzed"].get<int64_t>() >= 5) break;
  }
  ASSERT_GE(status["frames"]["analyzed"].get<int64_t>(), 5) << status.dump();
  EXPECT_EQ(status["background"], "remove");
  ASSERT_TRUE(status["stage_ms"].contains("segment")) << status.dump();
  const double segment_ms = status["stage_ms"]["segment"].get<double>();
  EXPECT_GT(segment_ms, 0.5) << status.dump();  // a real model ran
  EXPECT_LT(segment_ms, 1000.0) << status.dump();
  EXPECT_EQ(status["segment_errors"], 0);
  const std::string metrics = http_get(posecast.port(), "/metrics").body;
  EXPECT_NE(metrics.find("posecast_stage_ms{stage=\"segment\"} "), std::string::npos) << metrics;
  posecast.signal(SIGINT);
  EXPECT_EQ(posecast.wait_exit(15s), 0) << posecast.err();
}

}  // namespace
}  // namespace posecast

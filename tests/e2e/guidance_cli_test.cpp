// Guidance into view end to end: `posecast analyze --jsonl` on pictures cropped to leave out the
// legs says "step_back" or "upper_body_only", and whole bodies are not told so. One test always
// runs (a committed photo, tests/data/person.jpg, made into a still clip); one uses a real dev
// clip and skips when ../shared/data/videos is absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "test_paths.h"

namespace posecast {
namespace {

using nlohmann::json;
using testing::run_posecast;
namespace fs = std::filesystem;

constexpr double kFps = 10;

class GuidanceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_guidance_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The top `keep` share of each frame, as an MJPEG AVI at `fps`; "" when it cannot be written.
  std::string write_clip(const std::string& name, const std::vector<cv::Mat>& frames, double keep,
                         double fps) {
    const fs::path path = dir_ / name;
    const cv::Size size(frames.at(0).cols, static_cast<int>(frames.at(0).rows * keep) / 2 * 2);
    cv::VideoWriter writer(path.string(), cv::CAP_FFMPEG,
                           cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, size);
    if (!writer.isOpened()) return "";
    for (const cv::Mat& f : frames) writer.write(f(cv::Rect({0, 0}, size)).clone());
    return path.string();
  }

  // The guidance code of each frame from `analyze --jsonl` ("" = none), after the first
  // `skip_s` seconds (the guide waits for a problem to last before it says it).
  static std::vector<std::string> guidance_codes(const std::string& clip, double skip_s,
                                                 int* setup_frames = nullptr) {
    auto run = run_posecast({"analyze", clip, "--threads", "2"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::vector<std::string> codes;
    for (const std::string& line : run.out_lines()) {
      const json frame = json::parse(line);
      if (setup_frames && frame.value("setup_check", false)) ++*setup_frames;
      if (frame["t_s"].get<double>() < skip_s) continue;
      codes.push_back(frame.contains("guidance") ? frame["guidance"]["code"].get<std::string>()
                                                 : "");
    }
    return codes;
  }

  static double share_told_to_step_back(const std::vector<std::string>& codes) {
    if (codes.empty()) return 0;
    int n = 0;
    for (const std::string& c : codes) n += c == "step_back" || c == "upper_body_only";
    return static_cast<double>(n) / codes.size();
  }

  fs::path dir_;
};

TEST_F(GuidanceCli, APhotoCutAboveTheKneesIsToldToStepBack) {
  if (std::string why = testing::models_missing(); !why.empty()) GTEST_SKIP() << why;
  // A footballer, whole body (548x342); the top 60 % ends between his hips and knees.
  const cv::Mat photo = cv::imread(std::string(POSECAST_SOURCE_DIR) + "/tests/data/person.jpg");
  ASSERT_FALSE(photo.empty());
  const std::vector<cv::Mat> frames(40, photo);  // 4 s
  const std::string cut = write_clip("cut.avi", frames, 0.6, kFps);
  const std::string whole = write_clip("whole.avi", frames, 1.0, kFps);
  ASSERT_NE(cut, "");
  int setup_frames = 0;
  const auto cut_codes = guidance_codes(cut, 1.5, &setup_frames);
  ASSERT_EQ(cut_codes.size(), 25u);
  EXPECT_GE(share_told_to_step_back(cut_codes), 0.9) << ::testing::PrintToString(cut_codes);
  // The set-up check runs from 1 s after the body is first seen (settle_s) for 5 s: to the end.
  EXPECT_GE(setup_frames, 25);
  EXPECT_EQ(share_told_to_step_back(guidance_codes(whole, 1.5)), 0);
}

// A real clip (never committed): tree pose on a seaside rock, cropped to its top 55 %, which
// ends at the thighs (measured: 95 % of the frames said step_back or upper_body_only, the rest
// being the first second and a 0.5 s gap when the lifted knee shows).
TEST_F(GuidanceCli, ARealClipCutAtTheThighsIsToldToStepBack) {
  if (std::string why = testing::models_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path videos = fs::path(POSECAST_SOURCE_DIR) / ".." / "shared" / "data" / "videos";
  const fs::path source = videos / "yoga_tree_seaside.mp4";
  if (!fs::exists(source)) GTEST_SKIP() << "needs " << source;
  cv::VideoCapture in(source.string());
  ASSERT_TRUE(in.isOpened());
  const double fps = in.get(cv::CAP_PROP_FPS);
  std::vector<cv::Mat> frames;
  for (cv::Mat f; in.read(f);) frames.push_back(f.clone());
  ASSERT_GT(frames.size(), 100u);
  const std::string cut = write_clip("tree_top.avi", frames, 0.55, fps);
  ASSERT_NE(cut, "");
  EXPECT_GE(share_told_to_step_back(guidance_codes(cut, 1.5)), 0.8);
  // The whole clip: her feet are in view; only the raised hands leave the top now and then.
  const auto whole = guidance_codes(source.string(), 1.5);
  int upper_body_only = 0;
  for (const std::string& c : whole) upper_body_only += c == "upper_body_only";
  EXPECT_EQ(upper_body_only, 0);
}

}  // namespace
}  // namespace posecast

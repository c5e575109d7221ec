// `posecast analyze` and `posecast eval-video` end to end: the real binary on a made-up clip of the
// demo figure (frame count, determinism, summary, annotated video, bad input) and, when
// ../shared/data/videos is there, on a real clip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include "e2e/cli_run.h"
#include "e2e/demo_clip.h"
#include "posecast/model_store.h"
#include "test_paths.h"

namespace posecast {
namespace {

using nlohmann::json;
using testing::run_posecast;
namespace fs = std::filesystem;

#define SKIP_WITHOUT_MOVENET()                                                  \
  if (Result<fs::path> model = find_model("movenet-lightning"); !model) {       \
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message(); \
  }

constexpr int kClipFrames = 70;  // 1 s black, 3 s tree, 3 s warrior II at 10 fps

class AnalyzeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_analyze_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "labels");
    ASSERT_EQ(testing::write_demo_clip(clip(), dir_ / "labels" / "demo.tsv",
                                       {{"", 1}, {"tree", 3}, {"warrior2", 3}}),
              kClipFrames);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string clip() const { return (dir_ / "demo.avi").string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::vector<json> lines(const testing::CliRun& run) {
    std::vector<json> out;
    for (const std::string& line : run.out_lines()) out.push_back(json::parse(line));
    return out;
  }
  fs::path dir_;
};

TEST_F(AnalyzeCli, OneLinePerFrameTheSameOnEveryRun) {
  SKIP_WITHOUT_MOVENET();
  auto first = run_posecast({"analyze", clip(), "--threads", "2"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto frames = lines(first);
  ASSERT_EQ(frames.size(), static_cast<size_t>(kClipFrames)) << first.err;
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i]["frame"], i + 1);
    EXPECT_NEAR(frames[i]["t_s"].get<double>(), i * 0.1, 1e-3);
    for (const char* key :
         {"decision", "top", "score", "hold_s", "corrections", "person", "keypoints"})
      EXPECT_TRUE(frames[i].contains(key)) << key << " missing in " << frames[i].dump();
  }
  EXPECT_EQ(frames[5]["person"], false);  // black frames
  EXPECT_EQ(frames[5]["decision"], "take_your_pose");
  EXPECT_EQ(frames[35]["decision"], "tree");
  EXPECT_GT(frames[35]["hold_s"].get<double>(), 1.0);
  EXPECT_EQ(frames[65]["decision"], "warrior2");
  EXPECT_NE(first.err.find("70 frames"), std::string::npos) << first.err;  // the speed line

  // One thread against the default (one per core): the engine splits work, not sums.
  auto second = run_posecast({"analyze", clip(), "--threads", "1", "--jsonl", path("b.jsonl")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::ifstream written(path("b.jsonl"));
  const std::string again((std::istreambuf_iterator<char>(written)), {});
  EXPECT_EQ(again, first.out);  // frame-exact and the same output on every run
}

TEST_F(AnalyzeCli, SummaryNamesTheHoldsAndTheTimeWithoutAPerson) {
  SKIP_WITHOUT_MOVENET();
  auto run = run_posecast({"analyze", clip(), "--summary", "--target", "tree"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto out = lines(run);
  ASSERT_EQ(out.size(), static_cast<size_t>(kClipFrames + 1));
  const json& s = out.back()["summary"];
  EXPECT_EQ(s["video"], clip());
  EXPECT_EQ(s["frames"], kClipFrames);
  EXPECT_NEAR(s["no_person_s"].get<double>(), 1.0, 0.15);
  ASSERT_EQ(s["holds"].size(), 2u) << s.dump();
  EXPECT_EQ(s["holds"][0]["pose"], "tree");
  // The figure appears at 1.0 s; smoothing and hysteresis take a moment to name the pose.
  EXPECT_NEAR(s["holds"][0]["start_s"].get<double>(), 1.5, 0.5);
  EXPECT_GT(s["holds"][0]["duration_s"].get<double>(), 2.0);
  EXPECT_TRUE(s["holds"][0]["mean_score"].is_number()) << s.dump();
  EXPECT_EQ(s["holds"][1]["pose"], "warrior2");
  // Held poses are no rep exercise: no set, no rep.
  EXPECT_TRUE(s["sets"].is_array() && s["sets"].empty()) << s.dump();
  EXPECT_EQ(s["reps"], json::object()) << s.dump();
  // With a target of tree, the warrior II frames are coached against tree and get corrections.
  EXPECT_EQ(out[65]["target"], "tree");
  EXPECT_EQ(out[65]["coached_pose"], "tree");
  EXPECT_FALSE(out[65]["corrections"].empty()) << out[65].dump();
}

TEST_F(AnalyzeCli, OutWritesEveryFrameAnnotated) {
  SKIP_WITHOUT_MOVENET();
  auto run = run_posecast({"analyze", clip(), "--jsonl", path("x.jsonl"), "--out", path("a.mp4")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  cv::VideoCapture annotated(path("a.mp4"));
  ASSERT_TRUE(annotated.isOpened());
  int frames = 0;
  for (cv::Mat m; annotated.read(m);) ++frames;
  EXPECT_EQ(frames, kClipFrames);
}

TEST_F(AnalyzeCli, BadInputGetsAnErrorNamingIt) {
  SKIP_WITHOUT_MOVENET();
  {
    std::ofstream junk(path("junk.mp4"));
    junk << "not a video at all";
  }
  auto run = run_posecast({"analyze", path("junk.mp4")});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find(path("junk.mp4")), std::string::npos) << run.err;
  // One bad video among good ones: the good one is still analysed.
  run = run_posecast({"analyze", path("junk.mp4"), clip()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(lines(run).size(), static_cast<size_t>(kClipFrames));
  EXPECT_EQ(lines(run)[0]["video"], clip());
  run = run_posecast({"analyze", clip(), clip(), "--out", path("two.mp4")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--out takes one video"), std::string::npos) << run.err;
  run = run_posecast({"analyze", clip(), "--target", "handstand"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("unknown pose 'handstand'"), std::string::npos) << run.err;
}

TEST_F(AnalyzeCli, EvalVideoMeasuresTheDemoClip) {
  SKIP_WITHOUT_MOVENET();
  auto run = run_posecast({"eval-video", "--labels", (dir_ / "labels").string(), clip(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto out = lines(run);
  ASSERT_EQ(out.size(), 1u);
  const json& total = out[0]["total"];
  EXPECT_EQ(out[0]["clips"][0]["clip"], "demo");
  EXPECT_EQ(total["frames"], kClipFrames);
  EXPECT_EQ(total["none_frames"], 10);
  EXPECT_EQ(total["false_poses"], 0.0);
  EXPECT_EQ(total["pose_frames"], 40);  // 2 s of each pose after the settle second
  EXPECT_GE(total["pose_recall"].get<double>(), 0.9) << out[0].dump();
  EXPECT_LE(total["held_changes_per_min"].get<double>(), 6.0) << out[0].dump();

  auto table = run_posecast({"eval-video", "--labels", (dir_ / "labels").string(), clip()});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("total"), std::string::npos) << table.out;
}

TEST_F(AnalyzeCli, EvalVideoLabelErrorsNameTheFile) {
  SKIP_WITHOUT_MOVENET();
  fs::create_directories(dir_ / "empty");
  auto run = run_posecast({"eval-video", "--labels", (dir_ / "empty").string(), clip()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find((dir_ / "empty" / "demo.tsv").string()), std::string::npos) << run.err;
  {
    std::ofstream bad(dir_ / "labels" / "demo.tsv");
    bad << "0\t1\tnone\n1\tsoon\ttree\n";
  }
  run = run_posecast({"eval-video", "--labels", (dir_ / "labels").string(), clip()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("demo.tsv:2:"), std::string::npos) << run.err;
}

// A real clip (never committed): a person holding tree pose while the camera circles her.
TEST(AnalyzeRealVideo, TreeHeldOnTheSeasideClip) {
  SKIP_WITHOUT_MOVENET();
  const fs::path videos = fs::path(POSECAST_SOURCE_DIR) / ".." / "shared" / "data" / "videos";
  const fs::path clip = videos / "yoga_tree_seaside.mp4";
  if (!fs::exists(clip)) GTEST_SKIP() << "needs " << clip;
  auto run = run_posecast({"eval-video", "--labels", videos.string(), clip.string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json total = json::parse(run.out)["total"];
  // Measured 0.84 and 6.2/min: the tree is lost for 3 s while the camera passes her profile,
  // where the lifted leg reads like warrior I (docs/video-evaluation.md). A regression guard.
  EXPECT_GE(total["pose_recall"].get<double>(), 0.8) << total.dump();
  EXPECT_LE(total["held_changes_per_min"].get<double>(), 8.0) << total.dump();
}

}  // namespace
}  // namespace posecast

// `posecast bench pipeline` end to end: the real binary measuring the live pipeline on a video of
// a real pose, with several loopback viewers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"

namespace posecast {
namespace {

using testing::run_posecast;

TEST(BenchPipelineCli, PrintsOneJsonLineOfWhatTheViewersGot) {
  if (const std::string missing = testing::models_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  const std::filesystem::path video = testing::demo_pose_video();
  ASSERT_FALSE(video.empty()) << "cannot write the demo video with cv::VideoWriter";
  const testing::CliRun run = run_posecast({"bench", "pipeline", "--source", video.string(),
                                            "--seconds", "2", "--warmup", "1", "--viewers", "3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = run.out_lines();
  ASSERT_EQ(lines.size(), 1u) << run.out;
  SCOPED_TRACE(lines[0]);
  const nlohmann::json line = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(line["source"], "video " + video.string());
  EXPECT_EQ(line["size"], "640x480");
  EXPECT_EQ(line["pose_model"], "lightning");
  EXPECT_EQ(line["frames_in_flight"], 1);  // Lightning keeps up with 30 fps on one core
  EXPECT_EQ(line["viewers"], 3);
  EXPECT_EQ(line["max_rate"], false);
  EXPECT_NEAR(line["seconds"].get<double>(), 2.0, 0.3);
  // The file plays at its own 30 fps, like a camera, never faster (a busy machine may lag).
  EXPECT_LE(line["source_fps"].get<double>(), 31.5);
  EXPECT_GT(line["source_fps"].get<double>(), 10.0);
  const double fps = line["fps"], min_viewer_fps = line["min_viewer_fps"];
  EXPECT_GT(min_viewer_fps, 2.0);
  EXPECT_LE(min_viewer_fps, fps + 0.01);
  EXPECT_LE(fps, line["source_fps"].get<double>() + 1.0);
  EXPECT_GT(line["frames"].get<int>(), 4);
  for (const char* stage : {"pose", "render", "encode"})
    EXPECT_GT(line["stage_ms"][stage].get<double>(), 0.0) << stage;
  // Capture -> client on loopback: the pose stage at least, and well under the original's 2 s.
  const double median = line["latency_ms"]["median"], p90 = line["latency_ms"]["p90"];
  EXPECT_GE(median, line["stage_ms"]["pose"].get<double>());
  EXPECT_LE(median, p90);
  EXPECT_LT(p90, 2000);
  EXPECT_GT(line["cpu_pct"].get<double>(), 5.0);
  EXPECT_GT(line["rss_mb"].get<double>(), 20);
  EXPECT_LT(line["rss_mb"].get<double>(), 4000);
  EXPECT_TRUE(line["drops"]["capture"].is_number_integer());
  EXPECT_TRUE(line["load1"].is_number());
}

// --pose-model auto times Thunder here and says which model it took and why; two frames in flight
// each get their own copy of the model and every frame still reaches the viewer.
TEST(BenchPipelineCli, AutoPoseModelSaysWhichItTookAndFramesFlyTwoAtATime) {
  if (const std::string missing = testing::models_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  const testing::CliRun run =
      run_posecast({"bench", "pipeline", "--source", "demo", "--seconds", "2", "--warmup", "1",
                    "--pose-model", "auto", "--frames-in-flight", "2", "--max-rate"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("posecast: --pose-model auto: "), std::string::npos) << run.err;
  const nlohmann::json line = nlohmann::json::parse(run.out_lines().at(0));
  const std::string model = line["pose_model"];
  EXPECT_TRUE(model == "lightning" || model == "thunder") << model;
  EXPECT_NE(run.err.find("auto: " + model + ":"), std::string::npos) << run.err;
  EXPECT_EQ(line["frames_in_flight"], 2);
  EXPECT_GT(line["frames"].get<int>(), 4);
}

TEST(BenchPipelineCli, SourceThatNeverOpensIsOneClearLine) {
  if (const std::string missing = testing::models_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  const testing::CliRun run =
      run_posecast({"bench", "pipeline", "--source", "/nonexistent/video.avi", "--seconds", "0.5",
                    "--warmup", "0.5"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find("no frame reached the viewers in 1 s: source: source "
                         "/nonexistent/video.avi: no such file, folder, camera or URL"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace posecast

// The viewer page in a real headless Chromium (tests/e2e/browser/viewer.mjs), against a live server
// fed with synthetic frames and results, and against the real `posecast run` on a video of a real
// pose. Skipped, saying why, when Chromium or the npm packages (tests/e2e/browser/setup.sh) are
// missing.
//
// To look at the page by hand: POSECAST_VIEWER_DEMO_S=120 posecast_tests
// --gtest_filter=ViewerBrowser.* prints the URL and serves for that long before the browser check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "e2e/browser_tools.h"
#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "stream/synthetic_session.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;

TEST(ViewerBrowser, SyntheticFeedPassesTheBrowserChecks) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;

  SyntheticSession session;
  ASSERT_TRUE(session.server());
  const std::string url = session.server()->url();
  if (const char* demo = std::getenv("POSECAST_VIEWER_DEMO_S")) {
    std::cerr << "serving the synthetic viewer at " << url << " for " << demo << " s\n";
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(demo)));
  }

  const fs::path screenshot =
      fs::temp_directory_path() / ("posecast-viewer-" + std::to_string(::getpid()) + ".png");
  const auto [exit_code, out] = run_command(
      "timeout 90 node " + shell_quote((kBrowserDir / "viewer.mjs").string()) + " " +
      shell_quote(url) + " " + shell_quote(screenshot.string()) + " --expect-guidance " +
      shell_quote(SyntheticSession::kGuidance) + " --expect-people");
  ASSERT_EQ(exit_code, 0) << out;

  const nlohmann::json report = nlohmann::json::parse(out.substr(out.rfind("{\"ok\"")));
  EXPECT_EQ(report["ok"], true);
  // The label the page shows is one the synthetic feed sends.
  const std::string label = report["label"];
  EXPECT_TRUE(label == "Tree 87 %" || label == "Take your pose") << label;
  // The pose the browser chose reached the hook, and so did the message.
  EXPECT_EQ(session.target(), report["target"]);
  EXPECT_EQ(session.messages(), std::vector<std::string>{"Relax your shoulders"});
  // The guidance banner shows the feed's guidance, big enough to read from across the room.
  EXPECT_EQ(report["guidance"]["code"], "step_back");
  EXPECT_GE(report["guidance"]["font_px"].get<double>(), 24);
  // Both people listed in their overlay colours (person_colour.h: orange, sky blue); the click
  // on person 2 reached /api/person.
  ASSERT_EQ(report["people"].size(), 2u) << report.dump();
  EXPECT_EQ(report["people"][0]["colour"], "rgb(230, 159, 0)");
  EXPECT_EQ(report["people"][1]["colour"], "rgb(86, 180, 233)");
  EXPECT_EQ(report["people"][1]["reps"].get<std::string>().rfind("Squat ", 0), 0u);
  EXPECT_EQ(report["coached"], 2);
  EXPECT_EQ(session.person(), 2);
  EXPECT_EQ(session.person_requests(), 1);

  const cv::Mat image = cv::imread(screenshot.string());
  EXPECT_EQ(image.cols, 1280);
  EXPECT_EQ(image.rows, 800);
  if (!std::getenv("POSECAST_KEEP_SCREENSHOT"))
    fs::remove(screenshot);
  else
    std::cerr << "screenshot: " << screenshot << "\n";
}

// The page as a coach sees it on a real run: the annotated video of the demo figure, the pose the
// pipeline recognised, and the target and message coming back from the pipeline in the results.
TEST(ViewerBrowser, RealRunShowsThePoseAndTakesTheCoachsControls) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path video = demo_pose_video();
  ASSERT_FALSE(video.empty()) << "cannot write the demo video with cv::VideoWriter";
  PosecastProcess posecast({"run", "--source", video.string(), "--http", "127.0.0.1:0", "--seconds",
                            "120", "--no-auth"});
  ASSERT_TRUE(posecast.started()) << posecast.error();
  const auto url = posecast.wait_for_url(std::chrono::seconds(20));
  ASSERT_TRUE(url) << "no URL; stderr:\n" << posecast.err();

  // Kept for a look: the build folder's e2e-media/viewer-run.png.
  const fs::path screenshot = fs::path(POSECAST_BINARY).parent_path() / "e2e-media" /
                              ("viewer-run-" + std::to_string(::getpid()) + ".png");
  const auto [exit_code, out] =
      run_command("timeout 90 node " + shell_quote((kBrowserDir / "viewer.mjs").string()) + " " +
                  shell_quote(*url) + " " + shell_quote(screenshot.string()) + " --expect-label " +
                  shell_quote("^Mountain [0-9]+ %$") + " --expect-echo");
  ASSERT_EQ(exit_code, 0) << out << "\nposecast stderr:\n" << posecast.err();

  const nlohmann::json report = nlohmann::json::parse(out.substr(out.rfind("{\"ok\"")));
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["video"]["width"], 640);
  EXPECT_EQ(report["video"]["height"], 480);
  EXPECT_EQ(report["label"].get<std::string>().rfind("Mountain ", 0), 0u) << report["label"];
  EXPECT_EQ(report["message_shown"], "Message: Relax your shoulders");
  // The pose the browser chose is the pipeline's target now.
  const HttpAnswer status = http_get(posecast.port(), "/api/status");
  ASSERT_EQ(status.status, 200) << status.error;
  EXPECT_EQ(nlohmann::json::parse(status.body)["target"], report["target"]);
  EXPECT_EQ(nlohmann::json::parse(status.body)["message"], "Relax your shoulders");

  const cv::Mat image = cv::imread(screenshot.string());
  EXPECT_EQ(image.cols, 1280);
  EXPECT_EQ(image.rows, 800);
  std::error_code ec;
  fs::rename(screenshot, screenshot.parent_path() / "viewer-run.png", ec);

  posecast.signal(SIGINT);
  const auto exited = posecast.wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(exited) << "still running 15 s after SIGINT";
  EXPECT_EQ(*exited, 0) << posecast.err();
}

}  // namespace
}  // namespace posecast

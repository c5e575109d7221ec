// The viewer's "Speak cues" switch in a real headless Chromium (tests/e2e/browser/speech.mjs, a
// recording stand-in for speechSynthesis) against the real `posecast run` on the demo figure's
// last pose and set of squats: what the page speaks and how often. Skipped, saying why, when
// Chromium, the npm packages (tests/e2e/browser/setup.sh) or the models are missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "e2e/browser_tools.h"
#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;

// The demo figure from `from_s` for `seconds` as an MJPG .avi at 640x480, 30 fps: from 27 s, the
// end of Triangle, the flow back towards Mountain, five squats (31-43 s) and a rest. `run` plays
// a file in a loop at its own pace.
fs::path demo_video_from(double from_s, double seconds) {
  const fs::path dir = fs::path(POSECAST_BINARY).parent_path() / "e2e-media";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path video = dir / ("demo-squats-" + std::to_string(::getpid()) + ".avi");
  return write_demo_video(video, from_s, seconds) ? video : fs::path();
}

TEST(ViewerSpeechBrowser, SpeaksTheRunsCountsOneAtATimeAndOnlyWhenSwitchedOn) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path video = demo_video_from(27, 18);
  ASSERT_FALSE(video.empty()) << "cannot write the demo video with cv::VideoWriter";
  PosecastProcess posecast({"run", "--source", video.string(), "--exercise", "squat", "--http",
                            "127.0.0.1:0", "--no-auth", "--no-history", "--webrtc", "off",
                            "--seconds", "120"});
  ASSERT_TRUE(posecast.started()) << posecast.error();
  const auto url = posecast.wait_for_url(std::chrono::seconds(20));
  ASSERT_TRUE(url) << "no URL; stderr:\n" << posecast.err();

  // 4 s off, then 16 s on: in an 18 s loop with 12 s of squats, several reps fall in the window.
  const fs::path screenshot = fs::path(POSECAST_BINARY).parent_path() / "e2e-media" /
                              ("viewer-speech-" + std::to_string(::getpid()) + ".png");
  const auto [exit_code, out] =
      run_command("timeout 90 node " + shell_quote((kBrowserDir / "speech.mjs").string()) + " " +
                  shell_quote(*url) + " " + shell_quote(screenshot.string()) +
                  " --seconds 16 --expect " + shell_quote("^[0-9]+$"));
  ASSERT_EQ(exit_code, 0) << out << "\nposecast stderr:\n" << posecast.err();

  const nlohmann::json report = nlohmann::json::parse(out.substr(out.rfind("{\"ok\"")));
  EXPECT_EQ(report["ok"], true);
  // The counts of the set, plain numbers without a target ("3", not "3 of 10").
  int counts = 0;
  for (const auto& s : report["spoken"]) {
    const std::string text = s["text"];
    if (std::regex_match(text, std::regex("[0-9]+"))) ++counts;
  }
  EXPECT_GE(counts, 2) << report["spoken"].dump();
  std::error_code ec;
  fs::rename(screenshot, screenshot.parent_path() / "viewer-speech.png", ec);
  fs::remove(video, ec);

  posecast.signal(SIGINT);
  const auto exited = posecast.wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(exited) << "still running 15 s after SIGINT";
  EXPECT_EQ(*exited, 0) << posecast.err();
}

}  // namespace
}  // namespace posecast

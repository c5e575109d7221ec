// The viewer page in a real headless Chromium (tests/e2e/browser/viewer.mjs) against a live server
// fed with synthetic frames and results. Skipped, saying why, when Chromium or the npm packages
// (tests/e2e/browser/setup.sh) are missing.
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

#include "e2e/cli_run.h"
#include "stream/synthetic_session.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;

const fs::path kBrowserDir = fs::path(POSECAST_SOURCE_DIR) / "tests/e2e/browser";

// Runs `command`, returns its exit status and stdout.
std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(ViewerBrowser, SyntheticFeedPassesTheBrowserChecks) {
  const char* chromium_env = std::getenv("POSECAST_CHROMIUM");
  const std::string chromium = chromium_env ? chromium_env : "/usr/bin/chromium";
  if (::access(chromium.c_str(), X_OK) != 0)
    GTEST_SKIP() << chromium << " is missing: apt-get install chromium";
  if (!fs::exists(kBrowserDir / "node_modules/playwright-core/package.json"))
    GTEST_SKIP() << "playwright-core is missing: run " << (kBrowserDir / "setup.sh").string();

  SyntheticSession session;
  ASSERT_TRUE(session.server());
  const std::string url = session.server()->url();
  if (const char* demo = std::getenv("POSECAST_VIEWER_DEMO_S")) {
    std::cerr << "serving the synthetic viewer at " << url << " for " << demo << " s\n";
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(demo)));
  }

  const fs::path screenshot =
      fs::temp_directory_path() / ("posecast-viewer-" + std::to_string(::getpid()) + ".png");
  const auto [exit_code, out] =
      run_command("timeout 90 node " + shell_quote((kBrowserDir / "viewer.mjs").string()) + " " +
                  shell_quote(url) + " " + shell_quote(screenshot.string()));
  ASSERT_EQ(exit_code, 0) << out;

  const nlohmann::json report = nlohmann::json::parse(out.substr(out.rfind("{\"ok\"")));
  EXPECT_EQ(report["ok"], true);
  // The label the page shows is one the synthetic feed sends.
  const std::string label = report["label"];
  EXPECT_TRUE(label == "Tree 87 %" || label == "Take your pose") << label;
  // The pose the browser chose reached the hook, and so did the message.
  EXPECT_EQ(session.target(), report["target"]);
  EXPECT_EQ(session.messages(), std::vector<std::string>{"Relax your shoulders"});

  const cv::Mat image = cv::imread(screenshot.string());
  EXPECT_EQ(image.cols, 1280);
  EXPECT_EQ(image.rows, 800);
  if (!std::getenv("POSECAST_KEEP_SCREENSHOT"))
    fs::remove(screenshot);
  else
    std::cerr << "screenshot: " << screenshot << "\n";
}

}  // namespace
}  // namespace posecast

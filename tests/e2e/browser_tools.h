// What the browser tests share: whether headless Chromium and playwright-core are here
// (tests/e2e/browser/setup.sh), and running a node script.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "test_paths.h"

namespace posecast::testing {

inline const std::filesystem::path kBrowserDir =
    std::filesystem::path(POSECAST_SOURCE_DIR) / "tests/e2e/browser";

// Runs `command` in a shell, returns its exit status and stdout.
inline std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Why the browser tests cannot run here, or "" when they can.
inline std::string browser_missing() {
  const char* chromium_env = std::getenv("POSECAST_CHROMIUM");
  const std::string chromium = chromium_env ? chromium_env : "/usr/bin/chromium";
  if (::access(chromium.c_str(), X_OK) != 0)
    return chromium + " is missing: apt-get install chromium";
  if (!std::filesystem::exists(kBrowserDir / "node_modules/playwright-core/package.json"))
    return "playwright-core is missing: run " + (kBrowserDir / "setup.sh").string();
  return "";
}

}  // namespace posecast::testing

// Janus (scripts/start-janus.sh) on free loopback ports for the tests, and a headless Chromium
// that watches one of its mountpoints through deploy/janus/viewer.html.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "e2e/browser_tools.h"
#include "e2e/cli_run.h"
#include "posecast/access_token.h"
#include "publish/media_servers.h"

namespace posecast::testing {

// A posecast access token file (rights 0600) in a folder of its own, removed at the end.
struct TokenFile {
  explicit TokenFile(std::string token_in) : token(std::move(token_in)) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << token << "\n";
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  }
  ~TokenFile() {
    std::error_code ignored;
    fs::remove_all(path.parent_path(), ignored);
  }
  std::string token;
  fs::path path =
      fs::temp_directory_path() /
      ("posecast-token-" + std::to_string(::getpid()) + "-" + std::to_string(next_id())) /
      "access-token";

 private:
  static int next_id() {
    static int n = 0;
    return n++;
  }
};

// Janus on free ports, its mountpoints' pin derived from `token_file`'s token; its API answers
// when ready() returns true.
struct Janus {
  uint16_t http_port = free_port();
  uint16_t rtp_port = free_port(SOCK_DGRAM, 3);
  TokenFile token_file{"janus-test-token-0123456789abcdef0123456789abcdef"};
  ServerProcess process{
      "start-janus.sh",
      {"--http-port", std::to_string(http_port), "--rtp-port", std::to_string(rtp_port),
       "--media-ports", "40000-40100", "--token-file", token_file.path.string()},
      "janus"};
  std::string pin() const { return janus_pin(token_file.token); }
  bool ready() const {
    return wait_until([&] { return tcp_listening(http_port); }, std::chrono::seconds(15));
  }
  std::string api() const { return "http://127.0.0.1:" + std::to_string(http_port) + "/janus"; }
};

// Watches `mountpoint` in headless Chromium (tests/e2e/browser/janus.mjs) with `pin`: its JSON
// report, null when it printed none.
inline nlohmann::json watch_in_chromium(const Janus& janus, int mountpoint,
                                        const std::string& pin) {
  const std::string screenshot =
      (fs::temp_directory_path() / ("posecast-janus-" + std::to_string(::getpid()) + ".png"))
          .string();
  const auto [code, out] =
      run_command("timeout 90 node " + shell_quote((kBrowserDir / "janus.mjs").string()) + " " +
                  shell_quote(janus.api()) + " " + std::to_string(mountpoint) + " " +
                  shell_quote(screenshot) + " --pin " + shell_quote(pin));
  const size_t at = out.rfind("{\"ok\"");
  if (at == std::string::npos) return nullptr;
  nlohmann::json report = nlohmann::json::parse(out.substr(at), nullptr, false);
  if (report.is_discarded()) return nullptr;
  report["exit_code"] = code;
  return report;
}

}  // namespace posecast::testing

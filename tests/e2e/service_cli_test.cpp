// `posecast run` as systemd runs it: readiness and watchdog pings on a real datagram socket in
// $NOTIFY_SOCKET, a SIGHUP that re-reads the config file, and `posecast cameras`.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

#include "cli_run.h"
#include "config/config_temp.h"
#include "posecast_process.h"

namespace posecast::testing {
namespace {

// systemd's end of the protocol: a bound datagram socket, named in $NOTIFY_SOCKET for the child.
class NotifyListener {
 public:
  explicit NotifyListener(const std::filesystem::path& path) : path_(path.string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~NotifyListener() { ::close(fd_); }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }
  // The next datagram that contains `text`, or "" when none comes within `timeout`.
  std::string wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return "";
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return "";
      std::string message(buffer, static_cast<size_t>(n));
      received_.push_back(message);
      if (message.find(text) != std::string::npos) return message;
    }
  }
  const std::vector<std::string>& received() const { return received_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<std::string> received_;
};

bool connects(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

TEST(ServiceCli, TellsSystemdItIsReadyPingsTheWatchdogAndReloadsTheConfigOnSighup) {
  if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
  ConfigDir dir;
  NotifyListener systemd(dir.path() / "notify");
  ASSERT_TRUE(systemd.bound());
  const auto config = dir.write("posecast.toml",
                                "[source]\ninput = \"demo\"\nsize = \"320x240\"\n"
                                "[http]\nlisten = \"127.0.0.1:0\"\n[access]\nno_auth = true\n"
                                "[video]\nwebrtc = \"off\"\n[history]\ndisabled = true\n");
  ScopedEnv notify("NOTIFY_SOCKET", systemd.path());
  ScopedEnv watchdog("WATCHDOG_USEC", "1000000");  // a ping every 0.5 s
  PosecastProcess run({"run", "--config", config.string()});
  ASSERT_TRUE(run.started()) << run.error();

  const std::string ready = systemd.wait_for("READY=1", std::chrono::seconds(60));
  ASSERT_NE(ready, "") << run.err();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(5)));
  EXPECT_TRUE(connects(run.port()));  // ready means listening
  EXPECT_NE(ready.find("STATUS=viewer at http://127.0.0.1:" + std::to_string(run.port())),
            std::string::npos)
      << ready;
  EXPECT_NE(systemd.wait_for("WATCHDOG=1", std::chrono::seconds(3)), "");
  EXPECT_NE(systemd.wait_for("WATCHDOG=1", std::chrono::seconds(3)), "");  // again and again

  // A new threshold and exercise change live; a new address needs a restart.
  dir.write("posecast.toml",
            "[source]\ninput = \"demo\"\nsize = \"320x240\"\n"
            "[http]\nlisten = \"127.0.0.1:1\"\n[access]\nno_auth = true\n"
            "[video]\nwebrtc = \"off\"\n[history]\ndisabled = true\n"
            "[model]\nthreshold = 0.7\n[coach]\nexercise = \"squat\"\n");
  run.signal(SIGHUP);
  EXPECT_NE(systemd.wait_for("RELOADING=1", std::chrono::seconds(10)), "");
  EXPECT_NE(systemd.wait_for("READY=1", std::chrono::seconds(10)), "");
  run.signal(SIGTERM);
  EXPECT_NE(systemd.wait_for("STOPPING=1", std::chrono::seconds(10)), "");
  ASSERT_EQ(run.wait_exit(std::chrono::seconds(30)), 0) << run.err();
  const std::string err = run.err();
  EXPECT_NE(err.find("reload: [model] threshold changed"), std::string::npos) << err;
  EXPECT_NE(err.find("reload: [coach] exercise changed"), std::string::npos) << err;
  EXPECT_NE(err.find("reload: [http] listen takes effect after a restart"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("[model] threshold takes effect after a restart"), std::string::npos);
  EXPECT_NE(err.find("model: now running builtin"), std::string::npos) << err;
}

TEST(ServiceCli, ABadConfigOnReloadKeepsTheRunningSettings) {
  if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
  ConfigDir dir;
  const std::string good =
      "[source]\ninput = \"demo\"\nsize = \"320x240\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
      "[access]\nno_auth = true\n[video]\nwebrtc = \"off\"\n[history]\ndisabled = true\n";
  const auto config = dir.write("posecast.toml", good);
  PosecastProcess run({"run", "--config", config.string()});
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(60))) << run.err();
  dir.write("posecast.toml", good + "[model]\nthreshold = \"high\"\n");
  run.signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(connects(run.port()));
  run.signal(SIGTERM);
  ASSERT_EQ(run.wait_exit(std::chrono::seconds(30)), 0) << run.err();
  EXPECT_NE(run.err().find("reload: " + config.string() +
                           ":13: [model] threshold = \"high\": expected a number (the running "
                           "settings stay)"),
            std::string::npos)
      << run.err();
}

TEST(ServiceCli, CamerasListsTheCamerasOrSaysThereAreNone) {
  CliRun r = run_posecast({"cameras"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::error_code ec;
  bool any_video = false;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec))
    any_video |= e.path().filename().string().starts_with("video");
  if (!any_video) {
    EXPECT_EQ(r.out,
              "posecast: no cameras found (no /dev/video* device that captures video); "
              "`posecast run` will play the demo\n");
  } else {
    EXPECT_FALSE(r.out.empty());
  }
  CliRun json = run_posecast({"cameras", "--json"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.out.substr(0, 1), "[");
}

}  // namespace
}  // namespace posecast::testing

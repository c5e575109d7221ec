// systemd's notify protocol against a real datagram socket named in $NOTIFY_SOCKET.
#include "posecast/service_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace posecast {
namespace {

// A socket like systemd's: bound, it receives what the service sends.
class NotifySocket {
 public:
  explicit NotifySocket(bool abstract) {
    name_ = (abstract ? "@" : std::filesystem::temp_directory_path().string() + "/") +
            "posecast-notify-" + std::to_string(::getpid());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name_.data(), name_.size());
    if (abstract) address.sun_path[0] = '\0';
    if (!abstract) ::unlink(name_.c_str());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0;
    ::setenv("NOTIFY_SOCKET", name_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    if (name_[0] == '/') ::unlink(name_.c_str());
  }
  bool bound() const { return bound_; }
  // The next datagram, or "" after a second.
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return "";
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, n) : "";
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(ServiceNotify, SendsTheStateAsOneDatagramToThePathInNotifySocket) {
  NotifySocket socket(false);
  ASSERT_TRUE(socket.bound());
  ASSERT_TRUE(notify_service("READY=1\nSTATUS=viewer at http://127.0.0.1:8080/").ok());
  EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=viewer at http://127.0.0.1:8080/");
  ASSERT_TRUE(notify_service("WATCHDOG=1").ok());
  EXPECT_EQ(socket.receive(), "WATCHDOG=1");
}

TEST(ServiceNotify, ReachesAnAbstractSocket) {
  NotifySocket socket(true);
  ASSERT_TRUE(socket.bound());
  ASSERT_TRUE(notify_service("READY=1").ok());
  EXPECT_EQ(socket.receive(), "READY=1");
}

TEST(ServiceNotify, DoesNothingOutsideSystemdAndNamesABadSocket) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(notify_service("READY=1").ok());
  ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
  Status s = notify_service("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message().rfind("NOTIFY_SOCKET=/nonexistent/notify: ", 0), 0u);
}

TEST(ServiceNotify, PingsTheWatchdogAtHalfItsTimeoutWhenItIsForThisProcess) {
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(watchdog_ping_interval(), std::chrono::microseconds(15000000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_FALSE(watchdog_ping_interval());  // another process's watchdog
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_TRUE(watchdog_ping_interval());
  ::setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_FALSE(watchdog_ping_interval());
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(watchdog_ping_interval());
}

}  // namespace
}  // namespace posecast

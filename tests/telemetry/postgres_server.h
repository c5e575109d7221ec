// A real PostgreSQL server for one test suite: initdb into a temporary folder, then the server on
// 127.0.0.1 and a free port, stopped and started again at will (the tests of a database that goes
// away). PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
// (Debian's package makes it) through runuser. Tests skip, saying why, when the binaries are absent
// (apt-get install postgresql).
#pragma once

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "e2e/browser_tools.h"  // run_command

namespace posecast::testing {

class PostgresServer {
 public:
  // The bin folder of the newest installed PostgreSQL (Debian: /usr/lib/postgresql/N/bin), or "".
  static std::filesystem::path bin_dir() {
    std::filesystem::path best;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
      if (std::filesystem::exists(entry.path() / "bin/pg_ctl") && entry.path() > best.parent_path())
        best = entry.path() / "bin";
    return best;
  }
  // Why no server can run here, or "".
  static std::string missing() {
    if (bin_dir().empty()) return "PostgreSQL is not installed (apt-get install postgresql)";
    if (::geteuid() == 0 && !::getpwnam("postgres"))
      return "running as root and there is no postgres user to run the server as";
    return "";
  }

  PostgresServer() {
    dir_ = std::filesystem::temp_directory_path() /
           ("posecast-pg-" + std::to_string(::getpid()) + "-" + std::to_string(++count()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    port_ = free_port();
  }
  ~PostgresServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }

  // initdb (trust authentication, user "posecast") and start; false with log() on failure.
  bool start() {
    if (!initialised_) {
      if (::geteuid() == 0) run_command("chown postgres " + shell_quote(dir_.string()));
      const auto [rc, out] = as_server_user(bin("initdb") + " -D " + data() +
                                            " -U posecast --auth=trust -E UTF8 --no-sync");
      log_ = out;
      if (rc != 0) return false;
      initialised_ = true;
    }
    const auto [rc, out] =
        as_server_user(bin("pg_ctl") + " -D " + data() + " -l " +
                       shell_quote((dir_ / "server.log").string()) + " -w -t 30 -o " +
                       shell_quote("-p " + std::to_string(port_) + " -k " + dir_.string() +
                                   " -c listen_addresses=127.0.0.1 -c fsync=off") +
                       " start");
    log_ += out;
    running_ = rc == 0;
    return running_;
  }
  // A fast shutdown: connections are cut, as when a server goes away.
  void stop() {
    if (!running_) return;
    as_server_user(bin("pg_ctl") + " -D " + data() + " -m fast -w stop");
    running_ = false;
  }

  std::string url() const {
    return "postgresql://posecast@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }
  // Runs SQL through psql; returns its exit status.
  int sql(const std::string& statements) const {
    return run_command("psql -q -v ON_ERROR_STOP=1 " + shell_quote(url()) + " -c " +
                       shell_quote(statements) + " 2>&1")
        .first;
  }
  std::string log() const { return log_; }

 private:
  static int& count() {
    static int n = 0;
    return n;
  }
  static std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  static uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    ::close(fd);
    return ntohs(address.sin_port);
  }
  std::string bin(const char* name) const { return shell_quote((bin_dir() / name).string()); }
  std::string data() const { return shell_quote((dir_ / "data").string()); }
  std::pair<int, std::string> as_server_user(const std::string& command) const {
    const std::string shell = "cd / && " + command + " 2>&1";
    return run_command(::geteuid() == 0 ? "runuser -u postgres -- sh -c " + shell_quote(shell)
                                        : shell);
  }

  std::filesystem::path dir_;
  uint16_t port_ = 0;
  bool initialised_ = false, running_ = false;
  std::string log_;
};

}  // namespace posecast::testing

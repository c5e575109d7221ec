// A real Mosquitto broker (the Debian package's /usr/sbin/mosquitto) on a free loopback port, for
// tests: started, stopped and restarted on the same port, with its persistence file in a temp
// folder so that sessions and queued QoS 1 messages survive a restart as in production.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace posecast::testing {

inline const char* kMosquittoBinary = "/usr/sbin/mosquitto";

inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class MosquittoBroker {
 public:
  MosquittoBroker()
      : dir_(std::filesystem::temp_directory_path() /
             ("posecast_mosquitto_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter()++))),
        port_(free_loopback_port()) {
    std::filesystem::create_directories(dir_);
    // Started as root, Mosquitto drops to the "mosquitto" user: it must still write its log and
    // persistence file here.
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    std::ofstream(dir_ / "mosquitto.conf")
        << "listener " << port_ << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "persistence true\n"
        << "persistence_location " << dir_.string() << "/\n"
        << "autosave_interval 0\n"
        << "max_queued_messages 100000\n"
        << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n";
  }
  ~MosquittoBroker() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  static bool available() { return ::access(kMosquittoBinary, X_OK) == 0; }

  // Before start(): this configuration instead of the open one (it must listen on port()).
  void use_config(const std::string& text) { std::ofstream(dir_ / "mosquitto.conf") << text; }
  const std::filesystem::path& dir() const { return dir_; }

  // Before start(): a TLS listener on another free loopback port with these PEM files (they must
  // be readable by the "mosquitto" user); returns its port.
  int add_tls_listener(const std::filesystem::path& ca, const std::filesystem::path& cert,
                       const std::filesystem::path& key, bool require_client_certificate) {
    const int port = free_loopback_port();
    std::ofstream(dir_ / "mosquitto.conf", std::ios::app)
        << "listener " << port << " 127.0.0.1\n"
        << "cafile " << ca.string() << "\ncertfile " << cert.string() << "\nkeyfile "
        << key.string() << "\nrequire_certificate "
        << (require_client_certificate ? "true" : "false") << "\n";
    tls_ports_.push_back(port);
    return port;
  }

  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string conf = (dir_ / "mosquitto.conf").string();
      ::execl(kMosquittoBinary, kMosquittoBinary, "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      bool all = port_accepts(port_);
      for (int port : tls_ports_) all = all && port_accepts(port);
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // SIGTERM: Mosquitto saves its persistence file and exits.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
  int port_;
  std::vector<int> tls_ports_;
  pid_t pid_ = -1;
};

}  // namespace posecast::testing

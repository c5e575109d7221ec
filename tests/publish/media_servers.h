// What the fan-out tests share: the real media servers (nginx-rtmp, Janus) started on free
// loopback ports through the repo's scripts and stopped when the test ends however it ends, an
// encoder fed with numbered synthetic frames, and ffprobe/ffmpeg as a viewer would run them.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "e2e/browser_tools.h"  // run_command
#include "posecast/video_encoder.h"
#include "test_paths.h"

namespace posecast::testing {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline const fs::path kRepo = POSECAST_SOURCE_DIR;

inline int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A port that was free a moment ago (TCP or UDP, on 127.0.0.1). For UDP, `span` consecutive
// ports are free (Janus's H.264 mountpoint listens on the VP8 port + 2).
inline uint16_t free_port(int type = SOCK_STREAM, int span = 1) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = ::socket(AF_INET, type, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    const uint16_t port = ntohs(addr.sin_port);
    bool all_free = port + span < 65535;
    for (int i = 1; i < span && all_free; ++i) {
      const int other = ::socket(AF_INET, type, 0);
      sockaddr_in next = addr;
      next.sin_port = htons(static_cast<uint16_t>(port + i));
      all_free = ::bind(other, reinterpret_cast<sockaddr*>(&next), sizeof next) == 0;
      ::close(other);
    }
    if (all_free) return port;
  }
  return 0;
}

inline bool tcp_listening(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Polls `done` every 50 ms until it is true or `timeout` passes.
template <class F>
bool wait_until(F done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A server started through one of the repo's scripts in the foreground (the script execs the
// server), in a fresh folder. SIGTERM at the end (and if the test process dies: PDEATHSIG), so
// nginx's master also takes its workers down.
class ServerProcess {
 public:
  ServerProcess(const std::string& script, std::vector<std::string> args, const std::string& tag) {
    dir_ = fs::temp_directory_path() /
           ("posecast-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(count()++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    args.push_back("--dir");
    args.push_back(dir_.string());
    const std::string log = (dir_ / "script.log").string();
    const std::string path = (kRepo / "scripts" / script).string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      ::setpgid(0, 0);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      std::vector<char*> argv{const_cast<char*>("bash"), const_cast<char*>(path.c_str())};
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv("/bin/bash", argv.data());
      ::_exit(127);
    }
  }
  ~ServerProcess() {
    stop();
    std::error_code ignored;
    if (!std::getenv("POSECAST_KEEP_SERVER_DIRS")) fs::remove_all(dir_, ignored);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Stops the server (SIGTERM, then SIGKILL to its process group after 5 s).
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const bool ended = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                                  std::chrono::seconds(5));
    if (!ended) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  bool running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }
  const fs::path& dir() const { return dir_; }
  // What the script printed (the URLs), and what the server logged.
  std::string log(const std::string& name = "script.log") const {
    std::ifstream in(dir_ / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static int& count() {
    static int n = 0;
    return n;
  }
  pid_t pid_ = -1;
  fs::path dir_;
};

// Why the servers cannot run here, or "".
inline std::string nginx_rtmp_missing() {
  if (::access("/usr/sbin/nginx", X_OK) != 0) return "nginx is not installed (nginx-light)";
  if (!fs::exists("/usr/lib/nginx/modules/ngx_rtmp_module.so"))
    return "the nginx RTMP module is not installed (libnginx-mod-rtmp)";
  return "";
}
inline std::string janus_missing() {
  return ::access("/usr/bin/janus", X_OK) == 0 ? "" : "janus is not installed (janus)";
}
inline std::string ffmpeg_missing() {
  return ::access("/usr/bin/ffprobe", X_OK) == 0 && ::access("/usr/bin/ffmpeg", X_OK) == 0
             ? ""
             : "ffmpeg/ffprobe are not installed (ffmpeg)";
}

// nginx-rtmp on free ports, ready (both ports listen) or not (check ready()). Every player is
// checked with posecast at `auth_url` (its GET/POST /api/auth); "" serves anybody (--no-auth).
struct NginxRtmp {
  uint16_t rtmp_port, http_port;
  ServerProcess process;
  explicit NginxRtmp(const std::string& auth_url = "", uint16_t rtmp = free_port(),
                     uint16_t http = free_port())
      : rtmp_port(rtmp),
        http_port(http),
        process("start-nginx-rtmp.sh", arguments(auth_url, rtmp, http), "nginx") {}
  static std::vector<std::string> arguments(const std::string& auth_url, uint16_t rtmp,
                                            uint16_t http) {
    std::vector<std::string> args = {"--rtmp-port", std::to_string(rtmp), "--http-port",
                                     std::to_string(http), "--no-auth"};
    if (!auth_url.empty()) args.back() = "--auth", args.push_back(auth_url);
    return args;
  }
  bool ready(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return wait_until([&] { return tcp_listening(rtmp_port) && tcp_listening(http_port); },
                      timeout);
  }
  std::string publish_url(const std::string& stream = "pose") const {
    return "rtmp://127.0.0.1:" + std::to_string(rtmp_port) + "/live/" + stream;
  }
  // With a token: /hls/TOKEN/STREAM.m3u8, as nginx checks it (deploy/nginx-rtmp/nginx.conf).
  std::string hls_url(const std::string& stream = "pose", const std::string& token = "") const {
    return "http://127.0.0.1:" + std::to_string(http_port) + "/hls/" +
           (token.empty() ? "" : token + "/") + stream + ".m3u8";
  }
  std::string play_url(const std::string& stream, const std::string& token) const {
    return publish_url(stream) + (token.empty() ? "" : "?token=" + token);
  }
  fs::path playlist(const std::string& stream = "pose") const {
    return process.dir() / "hls" / (stream + ".m3u8");
  }
};

// The segment names of a playlist on disk, oldest first.
inline std::vector<std::string> playlist_segments(const fs::path& playlist) {
  std::vector<std::string> segments;
  std::ifstream in(playlist);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') segments.push_back(line);
  return segments;
}

// ffprobe's view of a URL or file: the first video stream (codec_name, width, height) and the
// format's duration; null on failure. `input_options`: e.g. "-rtsp_transport tcp".
inline nlohmann::json ffprobe(const std::string& url, const std::string& input_options = "") {
  auto [code, out] =
      run_command("timeout 20 ffprobe -v error " + input_options +
                  " -select_streams v:0 -show_entries "
                  "stream=codec_name,width,height:format=duration,format_name -of json '" +
                  url + "' 2>/dev/null");
  if (code != 0) return nullptr;
  nlohmann::json probe = nlohmann::json::parse(out, nullptr, false);
  if (probe.is_discarded() || probe["streams"].empty()) return nullptr;
  nlohmann::json video = probe["streams"][0];
  if (probe.contains("format")) {
    if (probe["format"].contains("duration"))
      video["duration"] = std::stod(probe["format"]["duration"].get<std::string>());
    video["format_name"] = probe["format"].value("format_name", "");
  }
  return video;
}

// How many frames ffmpeg decodes from `url` when asked for `frames` (0 on failure).
inline int ffmpeg_decoded_frames(const std::string& url, int frames,
                                 const std::string& input_options = "") {
  auto [code, out] = run_command("timeout 30 ffmpeg -nostdin -v error " + input_options + " -i '" +
                                 url + "' -frames:v " + std::to_string(frames) +
                                 " -f null - -progress pipe:1 2>/dev/null");
  if (code != 0) return 0;
  int decoded = 0;
  for (size_t at = 0; (at = out.find("\nframe=", at)) != std::string::npos; ++at)
    decoded = std::atoi(out.c_str() + at + 7);
  return decoded;
}

// Numbered frames: the frame number as 16 black/white squares (read back after lossy coding
// by frame_number_of), and a moving block so that the encoder has motion to code.
constexpr int kSquare = 24;
inline cv::Mat numbered_frame(int64_t number, cv::Size size) {
  cv::Mat frame(size, CV_8UC3, cv::Scalar(40, 90, 40));
  const int x = static_cast<int>((number * 7) % std::max(1, size.width - 80));
  cv::rectangle(frame, cv::Rect(x, size.height / 2, 80, 80), cv::Scalar(30, 160, 230), cv::FILLED);
  for (int bit = 0; bit < 16; ++bit) {
    const bool one = (number >> bit) & 1;
    cv::rectangle(frame, cv::Rect(bit * kSquare, 0, kSquare, kSquare),
                  one ? cv::Scalar(255, 255, 255) : cv::Scalar(0, 0, 0), cv::FILLED);
  }
  return frame;
}
inline int64_t frame_number_of(const cv::Mat& bgr) {
  int64_t number = 0;
  for (int bit = 0; bit < 16; ++bit) {
    const cv::Vec3b pixel = bgr.at<cv::Vec3b>(kSquare / 2, bit * kSquare + kSquare / 2);
    if (pixel[1] > 128) number |= int64_t{1} << bit;
  }
  return number;
}

// A VideoEncoder fed with numbered frames at `fps` from a thread of its own, remembering when
// each frame was "captured" (for latency figures).
class FrameFeeder {
 public:
  explicit FrameFeeder(VideoEncoderOptions options) : options_(options) {
    auto encoder = VideoEncoder::start(options);
    if (!encoder) {
      error_ = encoder.error().message();
      return;
    }
    encoder_ = std::move(encoder).value();
    thread_ = std::thread([this] { run(); });
  }
  ~FrameFeeder() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  VideoEncoder* encoder() { return encoder_.get(); }
  const std::string& error() const { return error_; }
  int64_t frames_pushed() const { return next_; }
  // When frame `number` was pushed (unix ms), or -1.
  int64_t capture_ms(int64_t number) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = captured_.find(number & 0xffff);
    return it == captured_.end() ? -1 : it->second;
  }

 private:
  void run() {
    const auto period = std::chrono::duration<double>(1.0 / options_.fps);
    auto next_time = Clock::now();
    while (!stop_) {
      const int64_t number = next_.load();
      const cv::Mat frame = numbered_frame(number, {options_.width, options_.height});
      const int64_t now = now_unix_ms();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        captured_[number & 0xffff] = now;
      }
      encoder_->push(frame, number, now);
      ++next_;
      next_time += std::chrono::duration_cast<Clock::duration>(period);
      std::this_thread::sleep_until(next_time);
    }
  }

  VideoEncoderOptions options_;
  std::unique_ptr<VideoEncoder> encoder_;
  std::string error_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> next_{0};
  mutable std::mutex mutex_;
  std::map<int64_t, int64_t> captured_;
};

}  // namespace posecast::testing

// The real posecast binary (POSECAST_BINARY) as a running child process, for end-to-end tests of
// long-running commands such as `posecast run`: its stdout is read line by line (for the printed
// URL), its stderr goes to a file, and it is killed when the test ends however it ends, so that a
// failing test never leaves a server behind (and a killed test binary takes the child with it).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/videoio.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "posecast/capture.h"
#include "posecast/model_store.h"
#include "test_paths.h"

namespace posecast::testing {

class PosecastProcess {
 public:
  // Starts `posecast args...`; check running() (and error()) before use.
  explicit PosecastProcess(const std::vector<std::string>& args) {
    err_path_ = std::filesystem::temp_directory_path() /
                ("posecast-e2e-child-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)) + ".err");
    int out_pipe[2];
    if (::pipe(out_pipe) != 0) {
      error_ = "pipe failed";
      return;
    }
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      error_ = "fork failed";
      return;
    }
    if (pid_ == 0) {  // the child: only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
      ::dup2(out_pipe[1], STDOUT_FILENO);
      const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(POSECAST_BINARY));
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(POSECAST_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(out_pipe[1]);
    out_fd_ = out_pipe[0];
  }

  ~PosecastProcess() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    std::error_code ignored;
    std::filesystem::remove(err_path_, ignored);
  }
  PosecastProcess(const PosecastProcess&) = delete;
  PosecastProcess& operator=(const PosecastProcess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

  // The next stdout line starting with `prefix` (earlier lines are kept in out()), or nullopt
  // when none comes within `timeout` or stdout closes.
  std::optional<std::string> wait_for_line(const std::string& prefix,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (size_t end; (end = pending_.find('\n')) != std::string::npos;) {
        std::string line = pending_.substr(0, end);
        pending_.erase(0, end + 1);
        if (line.rfind(prefix, 0) == 0) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_stdout(left)) return std::nullopt;
    }
  }

  // "posecast: viewer at http://127.0.0.1:PORT/  (source: ...)" -> the URL, and its port.
  // `prefix` is the text before the URL ("posecast: class dashboard at " for `posecast class`).
  std::optional<std::string> wait_for_url(std::chrono::milliseconds timeout,
                                          const std::string& prefix = "posecast: viewer at ") {
    auto line = wait_for_line(prefix, timeout);
    if (!line) return std::nullopt;
    url_ = line->substr(prefix.size(), line->find(' ', prefix.size()) - prefix.size());
    const size_t colon = url_.rfind(':');
    port_ = static_cast<uint16_t>(std::atoi(url_.c_str() + colon + 1));
    return url_;
  }
  const std::string& url() const { return url_; }
  uint16_t port() const { return port_; }

  void signal(int number) {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, number);
  }

  // The exit code once the process ended (-1: killed by a signal), or nullopt after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exit_code_;
  }

  // Everything the process wrote to stderr so far (for failure messages).
  std::string err() const {
    std::ifstream in(err_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  bool read_stdout(std::chrono::milliseconds timeout) {
    pollfd fd{out_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::filesystem::path err_path_;
  std::string pending_;
  std::string url_;
  uint16_t port_ = 0;
  std::string error_;
  std::optional<int> exit_code_;
};

// Why `posecast run` cannot work here (the MoveNet models are missing), or "".
inline std::string models_missing() {
  Result<std::filesystem::path> model = find_model("movenet-lightning");
  return model ? "" : "needs the pretrained models: " + model.error().message();
}

// Frames [from_s, from_s + seconds) of the built-in demo source (its figure's poses, then its
// squats) at 640x480, 30 fps, as MJPG in `video`; false when it cannot be written.
inline bool write_demo_video(const std::filesystem::path& video, double from_s, double seconds) {
  SourceOptions options;
  options.size = cv::Size(640, 480);
  options.fps = 30;
  auto demo = make_demo_source(options);
  cv::VideoWriter writer(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 30,
                         options.size);
  if (!writer.isOpened()) return false;
  for (int i = 0; i < static_cast<int>((from_s + seconds) * 30); ++i) {
    auto frame = demo->read();
    if (!frame) return false;
    if (i >= static_cast<int>(from_s * 30)) writer.write(frame.value());
  }
  return true;
}

// A video of a real yoga pose without a camera: `seconds` of the built-in demo source (the figure
// holds Mountain for its first 5 s) as an MJPG .avi at 640x480, 30 fps, in the build folder.
// Written under a temporary name and renamed, so parallel test processes never see half a file.
inline std::filesystem::path demo_pose_video(double seconds = 4) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(POSECAST_BINARY).parent_path() / "e2e-media";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path video = dir / "demo-mountain-640x480.avi";
  const fs::path partial = dir / ("demo-" + std::to_string(::getpid()) + ".partial.avi");
  if (!write_demo_video(partial, 0, seconds)) return {};
  fs::rename(partial, video, ec);
  return ec ? fs::path() : video;
}

}  // namespace posecast::testing

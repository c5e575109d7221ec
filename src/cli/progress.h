// Progress of long jobs on stderr: a bar with ETA on a terminal, plain log lines (every 10 %)
// when stderr is a file or pipe, so logs stay readable.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace posecast::cli {

class Progress {
 public:
  // `prefix` starts every line ("posecast train"); `what` names the phase ("keypoints").
  Progress(std::string prefix, std::string what, size_t total);
  void update(size_t done);  // thread-compatible: call from one thread at a time
  void finish();             // ends the bar's line; idempotent

 private:
  std::string prefix_, what_;
  size_t total_;
  bool terminal_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_{};
};

}  // namespace posecast::cli

// A captured video frame: the hand-off from capture to the later stages.
#pragma once

#include <chrono>
#include <cstdint>
#include <opencv2/core/mat.hpp>

namespace posecast {

struct Frame {
  cv::Mat image;                // BGR, CV_8UC3
  int64_t number = 0;           // 1, 2, ... per source, counting every frame read
  int64_t capture_unix_ms = 0;  // wall clock when it was read: travels to the viewer
  std::chrono::steady_clock::time_point captured;  // for latency and fps
};

inline int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace posecast

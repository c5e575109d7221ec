#include "posecast/pose_model_choice.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <opencv2/core.hpp>
#include <vector>

namespace posecast {

namespace {

constexpr int kWarmupRuns = 2;
constexpr int kTimedRuns = 5;

std::string format(const char* pattern, double a, int b, double c, double d) {
  char text[160];
  std::snprintf(text, sizeof text, pattern, a, b, c, d);
  return text;
}

}  // namespace

PoseModelChoice choose_pose_model(double thunder_ms, double camera_fps, int frames_in_flight) {
  PoseModelChoice choice;
  choice.thunder_ms = thunder_ms;
  const int lanes = std::max(1, frames_in_flight);
  choice.capacity_fps = thunder_ms > 0 ? lanes * 1000.0 / (thunder_ms * kPipelineOverhead) : 0;
  const double needed = camera_fps * kHeadroom;
  const bool keeps_up = choice.capacity_fps >= needed;
  choice.variant = keeps_up ? MoveNetVariant::kThunder : MoveNetVariant::kLightning;
  choice.reason = format(keeps_up ? "thunder: %.0f ms a frame, %d in flight: %.0f fps, the camera "
                                    "needs %.0f"
                                  : "lightning: thunder takes %.0f ms a frame, %d in flight: "
                                    "%.0f fps, the camera needs %.0f",
                         thunder_ms, lanes, choice.capacity_fps, needed);
  return choice;
}

Result<PoseModelChoice> measure_and_choose_pose_model(MoveNetOptions options, double camera_fps,
                                                      int frames_in_flight) {
  options.variant = MoveNetVariant::kThunder;
  options.instances = 1;
  Result<MoveNet> thunder = MoveNet::load(options);
  if (!thunder) return thunder.error();
  const cv::Mat blank(480, 640, CV_8UC3, cv::Scalar(128, 128, 128));
  std::vector<double> ms;
  for (int k = 0; k < kWarmupRuns + kTimedRuns; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    Result<Pose> pose = thunder->estimate(blank);
    if (!pose) return pose.error();
    if (k >= kWarmupRuns)
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return choose_pose_model(ms[ms.size() / 2], camera_fps, frames_in_flight);
}

}  // namespace posecast

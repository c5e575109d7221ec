// Labelled photo folders for training and evaluation tests: the built-in demo figure, rendered
// in its poses with varied lean, arms, size, place and side, written as JPEG files.
#pragma once

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "posecast/capture.h"

namespace posecast::testing {

// DIR/<folder>/<pose>_<i>.jpg for each {folder, pose}; returns the paths written.
inline std::vector<std::filesystem::path> write_demo_photos(
    const std::filesystem::path& dir,
    const std::vector<std::pair<std::string, std::string>>& folder_pose, int per_pose,
    uint32_t seed = 7, cv::Size size = {640, 480}) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> lean(-4, 4), arm(-8, 8), scale(0.8f, 1.1f), x(0.38f, 0.62f);
  std::vector<std::filesystem::path> written;
  for (const auto& [folder, pose] : folder_pose) {
    std::filesystem::create_directories(dir / folder);
    for (int i = 0; i < per_pose; ++i) {
      DemoPoseVariation v{lean(rng), arm(rng), scale(rng), x(rng), i % 2 == 1};
      Result<cv::Mat> photo = render_demo_pose(pose, size, v);
      if (!photo) continue;
      const auto path = dir / folder / (pose + "_" + std::to_string(i) + ".jpg");
      cv::imwrite(path.string(), photo.value());
      written.push_back(path);
    }
  }
  return written;
}

}  // namespace posecast::testing

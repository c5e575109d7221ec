#include "json_output.h"

#include <cmath>
#include <iostream>

namespace posecast::cli {

double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

nlohmann::ordered_json keypoints_json(const Pose& pose) {
  nlohmann::ordered_json keypoints = nlohmann::ordered_json::array();
  for (int j = 0; j < kNumJoints; ++j) {
    const Keypoint& k = pose.keypoints[j];
    keypoints.push_back({{"name", joint_name(static_cast<Joint>(j))},
                         {"x", rounded(k.x, 2)},
                         {"y", rounded(k.y, 2)},
                         {"score", rounded(k.score, 3)}});
  }
  return keypoints;
}

void print_json_line(const nlohmann::ordered_json& line) { std::cout << line.dump() << std::endl; }

}  // namespace posecast::cli

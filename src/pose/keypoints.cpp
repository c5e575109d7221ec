#include "posecast/keypoints.h"

namespace posecast {

namespace {
constexpr std::array<std::string_view, kNumJoints> kNames = {
    "nose",           "left_eye",   "right_eye",   "left_ear",   "right_ear",   "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip",      "left_knee",  "right_knee",  "left_ankle", "right_ankle"};
}  // namespace

std::string_view joint_name(Joint joint) { return kNames[static_cast<int>(joint)]; }

std::optional<Joint> joint_from_name(std::string_view name) {
  for (int i = 0; i < kNumJoints; ++i)
    if (kNames[i] == name) return static_cast<Joint>(i);
  return std::nullopt;
}

Joint mirror_joint(Joint joint) {
  int j = static_cast<int>(joint);
  if (j == 0) return joint;
  // COCO pairs are (odd, even): left_x = odd, right_x = odd + 1.
  return static_cast<Joint>(j % 2 == 1 ? j + 1 : j - 1);
}

}  // namespace posecast

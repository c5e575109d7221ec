// Body keypoints: the 17 COCO joints MoveNet predicts, in image pixels.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace posecast {

enum class Joint : int {
  kNose = 0,
  kLeftEye,
  kRightEye,
  kLeftEar,
  kRightEar,
  kLeftShoulder,
  kRightShoulder,
  kLeftElbow,
  kRightElbow,
  kLeftWrist,
  kRightWrist,
  kLeftHip,
  kRightHip,
  kLeftKnee,
  kRightKnee,
  kLeftAnkle,
  kRightAnkle,
};
inline constexpr int kNumJoints = 17;

// "nose", "left_eye", ... in COCO order.
std::string_view joint_name(Joint joint);
std::optional<Joint> joint_from_name(std::string_view name);
// The same joint on the other side of the body (nose stays nose).
Joint mirror_joint(Joint joint);

struct Keypoint {
  float x = 0;      // image pixels
  float y = 0;      // image pixels
  float score = 0;  // model confidence 0..1
};

struct Pose {
  std::array<Keypoint, kNumJoints> keypoints{};
  int image_width = 0;
  int image_height = 0;

  const Keypoint& operator[](Joint j) const { return keypoints[static_cast<int>(j)]; }
  Keypoint& operator[](Joint j) { return keypoints[static_cast<int>(j)]; }
};

}  // namespace posecast

// The sketches of the built-in poses.
#include "posecast/pose_sketches.h"

namespace posecast {

// Directions: 0 = down, 90 = image right, 180 = up, 270 = image left. A person facing the camera
// has their left side on the image's right. Sided poses are written as their "left" variant.
std::optional<SkeletonAngles> pose_sketch(std::string_view id) {
  SkeletonAngles a;
  if (id == "mountain") {
    a.left_upper_arm = 8, a.left_forearm = 5, a.right_upper_arm = -8, a.right_forearm = -5;
    a.left_thigh = 3, a.left_shin = 0, a.right_thigh = -3, a.right_shin = 0;
  } else if (id == "tree") {  // left foot on the right inner thigh, hands together overhead
    a.right_thigh = 6, a.right_shin = 0;  // the standing foot under the body's centre
    a.left_thigh = 60, a.left_shin = bend(60, 45, -1);
    a.left_upper_arm = 155, a.left_forearm = 200, a.right_upper_arm = 205, a.right_forearm = 160;
  } else if (id == "plank") {  // side view, head to the image's right
    a.yaw = 90, a.torso = 105;
    a.left_upper_arm = a.left_forearm = a.right_upper_arm = a.right_forearm = 0;
    a.left_thigh = a.left_shin = a.right_thigh = a.right_shin = 285;
  } else if (id == "downdog") {  // side view, hands to the image's right
    a.yaw = 90, a.torso = 40;
    a.left_upper_arm = a.left_forearm = a.right_upper_arm = a.right_forearm = 40;
    a.left_thigh = a.left_shin = a.right_thigh = a.right_shin = -35;
  } else if (id == "warrior2") {  // facing the camera, bent left knee to the image's right
    a.left_thigh = 85, a.left_shin = 0, a.right_thigh = -45, a.right_shin = -45;
    a.left_upper_arm = a.left_forearm = 90, a.right_upper_arm = a.right_forearm = -90;
  } else if (id == "warrior1") {  // side view facing right, left leg forward, arms up
    a.yaw = 70;
    a.left_thigh = 80, a.left_shin = 0, a.right_thigh = -40, a.right_shin = -40;
    a.left_upper_arm = a.left_forearm = a.right_upper_arm = a.right_forearm = 175;
  } else if (id == "goddess") {  // wide squat, cactus arms
    a.left_thigh = 70, a.left_shin = 5, a.right_thigh = -70, a.right_shin = -5;
    a.left_upper_arm = 90, a.left_forearm = 180, a.right_upper_arm = -90, a.right_forearm = 180;
  } else if (id == "chair") {  // side view facing right
    a.yaw = 80, a.torso = 150;
    a.left_thigh = a.right_thigh = 55, a.left_shin = a.right_shin = -10;
    a.left_upper_arm = a.left_forearm = a.right_upper_arm = a.right_forearm = 160;
  } else if (id == "cobra") {  // lying face down, head to the image's right
    a.yaw = 90, a.torso = 130;
    a.left_thigh = a.left_shin = a.right_thigh = a.right_shin = 270;
    a.left_upper_arm = a.right_upper_arm = -5, a.left_forearm = a.right_forearm = 5;
  } else if (id == "triangle") {  // facing the camera, tipped over the left leg
    a.torso = 100;
    a.left_thigh = a.left_shin = 35, a.right_thigh = a.right_shin = -35;
    a.left_upper_arm = a.left_forearm = 0, a.right_upper_arm = a.right_forearm = 180;
  } else {
    return std::nullopt;
  }
  return a;
}

const std::vector<std::string_view>& sketched_poses() {
  static const std::vector<std::string_view> ids = {"mountain", "tree",     "plank",   "downdog",
                                                    "warrior2", "warrior1", "goddess", "chair",
                                                    "cobra",    "triangle"};
  return ids;
}

SkeletonAngles vary_sketch(SkeletonAngles a, float max_deg, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-max_deg, max_deg);
  for (float* v : {&a.torso, &a.left_upper_arm, &a.left_forearm, &a.right_upper_arm,
                   &a.right_forearm, &a.left_thigh, &a.left_shin, &a.right_thigh, &a.right_shin})
    *v += d(rng);
  a.yaw += d(rng);
  return a;
}

}  // namespace posecast

// Features of one body pose, computed from the 17 keypoints: normalised coordinates, the body
// angles that pose recognition and coaching work with, and the keypoint scores.
//
// Conventions (docs/pose-library.md): image y grows downward; angles are unsigned degrees in
// [0, 180]; "left"/"right" are the person's own left and right (COCO left_* keypoints).
// A keypoint whose score is below FeatureOptions::min_score is treated as not seen: it gets no
// coordinates and every angle that needs it is left unmeasured (never guessed).
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "posecast/keypoints.h"

namespace posecast {

enum class Angle : int {
  kLeftElbow = 0,  // shoulder-elbow-wrist: 180 = straight arm
  kRightElbow,
  kLeftShoulder,  // hip-shoulder-elbow: 0 = arm along the body, 90 = out, 180 = overhead
  kRightShoulder,
  kLeftHip,  // shoulder-hip-knee: 180 = standing straight, 90 = folded
  kRightHip,
  kLeftKnee,  // hip-knee-ankle: 180 = straight leg
  kRightKnee,
  kTorso,  // hip centre -> shoulder centre vs straight up: 0 = upright, 90 = level, 180 = inverted
  kLeftShin,  // ankle -> knee vs straight up: 0 = vertical shin
  kRightShin,
  kLeftThigh,  // hip -> knee vs straight down: 0 = standing, 90 = level
  kRightThigh,
  kLeftArm,  // shoulder -> wrist vs straight down: 0 = hanging, 90 = level, 180 = overhead
  kRightArm,
  kThighSpread,  // between the two thighs (hip -> knee): 0 = legs together
};
inline constexpr int kNumAngles = 16;

// "left_elbow", ..., "thigh_spread" (the names the pose library uses).
std::string_view angle_name(Angle angle);
std::optional<Angle> angle_from_name(std::string_view name);
// The angle of someone standing at ease (straight legs, arms hanging, upright).
float at_ease_deg(Angle angle);
// left_* <-> right_*; unsided angles map to themselves.
Angle mirror_angle(Angle angle);
// The keypoints an angle is measured from.
std::vector<Joint> angle_joints(Angle angle);

struct FeatureOptions {
  float min_score = 0.3f;  // keypoints below this are "not seen"
  bool mirror = false;     // describe the mirror image: x negated and left/right swapped
};

struct Point2 {
  float x = 0;
  float y = 0;
};

struct Features {
  // False when no torso was seen (a shoulder and a hip are needed); nothing else is then set.
  bool valid = false;
  // Hip-centre origin, torso length (hip centre to shoulder centre) as the unit, y down.
  // Unseen keypoints are at (0, 0) with seen[j] false.
  std::array<Point2, kNumJoints> xy{};
  std::array<float, kNumJoints> score{};
  std::array<bool, kNumJoints> seen{};
  // Degrees; NaN when a needed keypoint was not seen.
  std::array<float, kNumAngles> angle_deg{};
  float torso_length_px = 0;  // the scale unit, in image pixels

  std::optional<float> angle(Angle a) const;
};

Features compute_features(const Pose& pose, const FeatureOptions& options = {});

// The pose as seen in a mirror: x flipped about the image width, left/right keypoints swapped
// (what MoveNet reports for a horizontally flipped image).
Pose mirror_pose(const Pose& pose);

// A fixed-length vector for learned classifiers: per keypoint x, y (0 when unseen) and seen flag,
// then per angle cos/sin of the angle (0 when unmeasured) and a measured flag.
inline constexpr int kFeatureVectorSize = kNumJoints * 3 + kNumAngles * 3;
std::vector<float> feature_vector(const Features& features);

}  // namespace posecast

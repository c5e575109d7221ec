#include "posecast/skeleton_poser.h"

#include <cmath>
#include <numbers>

namespace posecast {

namespace {

struct Vec {
  float x = 0, y = 0;
  Vec operator+(Vec o) const { return {x + o.x, y + o.y}; }
  Vec operator-(Vec o) const { return {x - o.x, y - o.y}; }
  Vec operator*(float s) const { return {x * s, y * s}; }
};

Vec direction(float deg) {
  float r = deg * std::numbers::pi_v<float> / 180.0f;
  return {std::sin(r), std::cos(r)};
}

float radians(float deg) { return deg * std::numbers::pi_v<float> / 180.0f; }

}  // namespace

float bend(float parent_direction, float joint_angle, int toward) {
  return parent_direction + (toward >= 0 ? 1.0f : -1.0f) * (180.0f - joint_angle);
}

Pose pose_skeleton(const SkeletonAngles& a, const SkeletonPlacement& place,
                   const BodyProportions& body) {
  const float unit = place.torso_px;
  const Vec hip{place.hip_x, place.hip_y};
  const Vec up = direction(a.torso);
  // The person's left, for a body facing the camera: the torso direction turned a quarter.
  const Vec left{-up.y, up.x};
  const float width = std::cos(radians(a.yaw));
  const Vec facing = left * std::sin(radians(a.yaw));
  const Vec shoulder = hip + up * unit;
  const Vec head = shoulder + up * (body.neck * unit);

  Pose pose;
  pose.image_width = place.image_width;
  pose.image_height = place.image_height;
  auto put = [&](Joint j, Vec p) { pose[j] = {p.x, p.y, place.score}; };

  put(Joint::kNose, head + facing * (0.12f * unit));
  put(Joint::kLeftEye,
      head + up * (0.06f * unit) + left * (0.07f * unit * width) + facing * (0.09f * unit));
  put(Joint::kRightEye,
      head + up * (0.06f * unit) - left * (0.07f * unit * width) + facing * (0.09f * unit));
  put(Joint::kLeftEar,
      head + up * (0.03f * unit) + left * (0.14f * unit * width) - facing * (0.04f * unit));
  put(Joint::kRightEar,
      head + up * (0.03f * unit) - left * (0.14f * unit * width) - facing * (0.04f * unit));

  const Vec l_shoulder = shoulder + left * (0.5f * body.shoulder_width * unit * width);
  const Vec r_shoulder = shoulder - left * (0.5f * body.shoulder_width * unit * width);
  const Vec l_hip = hip + left * (0.5f * body.hip_width * unit * width);
  const Vec r_hip = hip - left * (0.5f * body.hip_width * unit * width);
  const Vec l_elbow = l_shoulder + direction(a.left_upper_arm) * (body.upper_arm * unit);
  const Vec r_elbow = r_shoulder + direction(a.right_upper_arm) * (body.upper_arm * unit);
  const Vec l_knee = l_hip + direction(a.left_thigh) * (body.thigh * unit);
  const Vec r_knee = r_hip + direction(a.right_thigh) * (body.thigh * unit);
  put(Joint::kLeftShoulder, l_shoulder);
  put(Joint::kRightShoulder, r_shoulder);
  put(Joint::kLeftElbow, l_elbow);
  put(Joint::kRightElbow, r_elbow);
  put(Joint::kLeftWrist, l_elbow + direction(a.left_forearm) * (body.forearm * unit));
  put(Joint::kRightWrist, r_elbow + direction(a.right_forearm) * (body.forearm * unit));
  put(Joint::kLeftHip, l_hip);
  put(Joint::kRightHip, r_hip);
  put(Joint::kLeftKnee, l_knee);
  put(Joint::kRightKnee, r_knee);
  put(Joint::kLeftAnkle, l_knee + direction(a.left_shin) * (body.shin * unit));
  put(Joint::kRightAnkle, r_knee + direction(a.right_shin) * (body.shin * unit));
  return pose;
}

}  // namespace posecast

#include "posecast/exercise_sketches.h"

#include <algorithm>

namespace posecast {

namespace {

float lerp(float a, float b, float t) { return a + (b - a) * t; }

// Side views face the image's right (yaw 90): "forward" is +90, "back" is 270.
constexpr float kFacingRight = 90;

ExerciseSketch standing() {
  ExerciseSketch s;
  s.angles.left_upper_arm = 8;
  s.angles.right_upper_arm = -8;
  s.angles.left_forearm = 5;
  s.angles.right_forearm = -5;
  return s;
}

// Hips back and down to knee height, shins upright, chest leaning a little forward, arms
// reaching forward for balance. From the front the thighs point at the camera (drawn shorter)
// and the knees track out over the toes.
ExerciseSketch squat(float d, SketchView view) {
  ExerciseSketch s = standing();
  SkeletonAngles& a = s.angles;
  if (view == SketchView::kSide) {
    a.yaw = kFacingRight;
    a.torso = 180 - 35 * d;
    a.left_thigh = a.right_thigh = 90 * d;
    a.left_shin = a.right_shin = bend(a.left_thigh, 180 - 90 * d, -1);
    a.left_upper_arm = a.right_upper_arm = a.left_forearm = a.right_forearm = lerp(8, 95, d);
    return s;
  }
  s.body.thigh *= 1 - 0.4f * d;
  a.left_thigh = 55 * d;
  a.right_thigh = -a.left_thigh;
  a.left_shin = -30 * d;
  a.right_shin = -a.left_shin;
  a.left_upper_arm = a.left_forearm = lerp(8, 60, d);
  a.right_upper_arm = a.right_forearm = -a.left_upper_arm;
  return s;
}

// A straight body from heels to head, hands under the shoulders; the elbows bend back to 90
// degrees. From the front (a low camera, head-on) the torso is seen end-on.
ExerciseSketch pushup(float d, SketchView view) {
  ExerciseSketch s;
  SkeletonAngles& a = s.angles;
  const float elbow = 170 - 80 * d;
  if (view == SketchView::kSide) {
    a.yaw = kFacingRight;
    a.torso = kFacingRight + 15 - 10 * d;
    a.left_thigh = a.right_thigh = a.left_shin = a.right_shin = a.torso + 180;
    a.left_upper_arm = a.right_upper_arm = -110 * d;
    a.left_forearm = a.right_forearm = bend(a.left_upper_arm, elbow, +1);
    return s;
  }
  s.torso_scale = 0.35f;
  s.body.thigh = s.body.shin = 0.3f;
  a.left_thigh = a.left_shin = 175;
  a.right_thigh = a.right_shin = -175;
  a.left_upper_arm = 80 * d;
  a.left_forearm = bend(a.left_upper_arm, elbow, -1);
  a.right_upper_arm = -a.left_upper_arm;
  a.right_forearm = -a.left_forearm;
  return s;
}

// A split stance from the side: the front (left) thigh comes level with the front shin upright,
// the back knee drops toward the floor, the torso stays upright.
ExerciseSketch lunge(float d) {
  ExerciseSketch s = standing();
  SkeletonAngles& a = s.angles;
  a.yaw = kFacingRight;
  a.left_thigh = 90 * d;
  a.left_shin = bend(a.left_thigh, 180 - 90 * d, -1);
  a.right_thigh = -15 * d;
  a.right_shin = bend(a.right_thigh, 180 - 90 * d, -1);
  return s;
}

// Arms from the sides to overhead while the feet jump wide; from the side the arms rise the
// same way and the legs hide each other.
ExerciseSketch jumping_jack(float d, SketchView view) {
  ExerciseSketch s = standing();
  SkeletonAngles& a = s.angles;
  a.left_upper_arm = a.left_forearm = lerp(8, 170, d);
  a.right_upper_arm = a.right_forearm = -a.left_upper_arm;
  if (view == SketchView::kSide) {
    a.yaw = kFacingRight;
    return s;
  }
  a.left_thigh = a.left_shin = 20 * d;
  a.right_thigh = a.right_shin = -20 * d;
  return s;
}

// Lying on the back (head to the image's left), knees bent, the torso curls up to near upright.
ExerciseSketch situp(float d) {
  ExerciseSketch s;
  SkeletonAngles& a = s.angles;
  a.yaw = kFacingRight;
  a.torso = 270 - 70 * d;
  a.left_thigh = a.right_thigh = 135;
  a.left_shin = a.right_shin = 45;
  a.left_upper_arm = a.right_upper_arm = a.left_forearm = a.right_forearm = a.torso - 120;
  return s;
}

// Lying on the back, knees bent at 90 degrees, the hips lift until shoulders, hips and knees
// are in one line.
ExerciseSketch glute_bridge(float d) {
  ExerciseSketch s;
  SkeletonAngles& a = s.angles;
  a.yaw = kFacingRight;
  a.torso = 270 + 15 * d;
  a.left_thigh = a.right_thigh = 135 - 20 * d;
  a.left_shin = a.right_shin = 45 - 20 * d;
  a.left_upper_arm = a.right_upper_arm = a.left_forearm = a.right_forearm = a.torso + 180;
  return s;
}

// Standing, long arms rise sideways to shoulder height.
ExerciseSketch lateral_raise(float d) {
  ExerciseSketch s = standing();
  SkeletonAngles& a = s.angles;
  a.left_upper_arm = lerp(8, 90, d);
  a.left_forearm = a.left_upper_arm + 10;
  a.right_upper_arm = -a.left_upper_arm;
  a.right_forearm = -a.left_forearm;
  return s;
}

}  // namespace

const std::vector<std::string_view>& sketched_exercises() {
  static const std::vector<std::string_view> ids = {
      "squat", "pushup", "lunge", "jumping_jack", "situp", "glute_bridge", "lateral_raise"};
  return ids;
}

std::optional<ExerciseSketch> exercise_sketch(std::string_view id, float depth, SketchView view) {
  const float d = std::clamp(depth, 0.0f, 1.2f);
  const bool side = view == SketchView::kSide;
  if (id == "squat") return squat(d, view);
  if (id == "pushup") return pushup(d, view);
  if (id == "jumping_jack") return jumping_jack(d, view);
  if (id == "lunge" && side) return lunge(d);
  if (id == "situp" && side) return situp(d);
  if (id == "glute_bridge" && side) return glute_bridge(d);
  if (id == "lateral_raise" && !side) return lateral_raise(d);
  return std::nullopt;
}

Pose exercise_pose(const ExerciseSketch& sketch, const SkeletonPlacement& at) {
  SkeletonPlacement place = at;
  BodyProportions body = sketch.body;
  const float k = sketch.torso_scale;
  place.torso_px *= k;
  for (float* length : {&body.shoulder_width, &body.hip_width, &body.upper_arm, &body.forearm,
                        &body.thigh, &body.shin, &body.neck})
    *length /= k;
  return pose_skeleton(sketch.angles, place, body);
}

}  // namespace posecast

// Stick-figure sketches of rep exercises in motion: the body at a given depth of a squat, a
// push-up, ... (0 = the top, 1 = a full rep's turning point), seen from the front or the side,
// written from how each exercise looks (not from the exercise library's thresholds). The demo
// figure does its squats with them, and the rep counter's tests make known reps of them.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "posecast/skeleton_poser.h"

namespace posecast {

enum class SketchView { kFront, kSide };

struct ExerciseSketch {
  SkeletonAngles angles;
  BodyProportions body;
  // A torso seen end-on (a push-up from the front) looks this much shorter: exercise_pose()
  // shrinks the torso and keeps every other segment its length.
  float torso_scale = 1;
};

// squat, pushup, lunge, jumping_jack, situp, glute_bridge, lateral_raise.
const std::vector<std::string_view>& sketched_exercises();
// The body at `depth` (clamped to 0..1.2) of exercise `id` from `view`; none for an unknown id
// or a view the exercise is not sketched from (lunge, sit-up and glute bridge: side only;
// lateral raise: front only).
std::optional<ExerciseSketch> exercise_sketch(std::string_view id, float depth, SketchView view);
// The keypoints of a sketch placed at `at` (at.torso_px is the torso of an upright body).
Pose exercise_pose(const ExerciseSketch& sketch, const SkeletonPlacement& at = {});

}  // namespace posecast

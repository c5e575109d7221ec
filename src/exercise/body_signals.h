// The body signals of one frame (exercise_library.h's BodySignal), measured from the 17 keypoints
// in the image plane: the exercise layer's own small geometry, so it needs nothing above `pose`.
#pragma once

#include <array>
#include <optional>

#include "posecast/exercise_library.h"
#include "posecast/keypoints.h"

namespace posecast::exercise {

struct SidedValue {
  std::optional<float> left, right;       // unset: a keypoint it needs is not seen
  float left_score = 0, right_score = 0;  // the lowest score of the keypoints it needs
};

class BodySignals {
 public:
  // Everything measured once; `min_score` decides which keypoints are seen.
  BodySignals(const Pose& pose, float min_score, float front_view_width);

  std::optional<float> get(const SignalRef& ref) const;
  // Where the body is: its hip centre and size (the larger of torso length and shoulder width),
  // in pixels, when shoulders and hips are seen.
  struct Anchor {
    float hip_x = 0, hip_y = 0, size = 0;
  };
  const std::optional<Anchor>& anchor() const { return anchor_; }
  // Whether `now` is far from `before` for one body between two frames (exercise_library.h).
  static bool jumped(const Anchor& before, const Anchor& now, float max_jump);
  bool front_view() const { return front_view_; }
  bool seen(View view) const { return view == View::kAny || (view == View::kFront) == front_view_; }

 private:
  std::array<SidedValue, kNumBodySignals> values_{};
  bool front_view_ = false;
  std::optional<Anchor> anchor_;
};

}  // namespace posecast::exercise

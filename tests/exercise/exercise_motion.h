// Bodies in motion for the rep counter's tests: sequences of frames made of the sketch layer's
// exercise sketches (known reps at known times) and of things that are not reps (standing,
// walking, a held yoga pose, lying down and getting up).
#pragma once

#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "posecast/exercise_sketches.h"
#include "posecast/pose_sketches.h"
#include "posecast/rep_counter.h"

namespace posecast::testing {

struct MotionFrame {
  Pose pose;
  bool person = true;
  double t_s = 0;
};

// The body at a depth of one movement (0 = the top).
using DepthBody = std::function<ExerciseSketch(float depth)>;

inline DepthBody sketch_of(std::string id, SketchView view) {
  return [id, view](float d) { return *exercise_sketch(id, d, view); };
}

inline SkeletonAngles mix(const SkeletonAngles& a, const SkeletonAngles& b, float t) {
  auto m = [t](float x, float y) { return x + (y - x) * t; };
  SkeletonAngles r;
  r.torso = m(a.torso, b.torso);
  r.yaw = m(a.yaw, b.yaw);
  r.left_upper_arm = m(a.left_upper_arm, b.left_upper_arm);
  r.left_forearm = m(a.left_forearm, b.left_forearm);
  r.right_upper_arm = m(a.right_upper_arm, b.right_upper_arm);
  r.right_forearm = m(a.right_forearm, b.right_forearm);
  r.left_thigh = m(a.left_thigh, b.left_thigh);
  r.left_shin = m(a.left_shin, b.left_shin);
  r.right_thigh = m(a.right_thigh, b.right_thigh);
  r.right_shin = m(a.right_shin, b.right_shin);
  return r;
}

class Motion {
 public:
  explicit Motion(double fps = 30) : dt_(1 / fps) {}

  // `n` reps to `depth`: down over down_s, a pause of turn_s at the turn, up over up_s, then
  // top_s at the top. Depth follows a half cosine, as a body speeds up and slows down.
  Motion& reps(const DepthBody& body, int n, float depth = 1, double down_s = 1, double up_s = 1,
               double top_s = 0.5, double turn_s = 0.1) {
    for (int i = 0; i < n; ++i) {
      ramp(body, 0, depth, down_s);
      ramp(body, depth, depth, turn_s);
      ramp(body, depth, 0, up_s);
      ramp(body, 0, 0, top_s);
    }
    return *this;
  }
  Motion& hold(const DepthBody& body, float depth, double s) { return ramp(body, depth, depth, s); }
  Motion& ramp(const DepthBody& body, float from, float to, double s) {
    return timed(s, [&](double f) {
      const double eased = (1 - std::cos(std::numbers::pi * f)) / 2;
      return exercise_pose(body(static_cast<float>(from + (to - from) * eased)));
    });
  }
  // From angles `a` to `b` over s seconds (b held when a == b).
  Motion& move(const SkeletonAngles& a, const SkeletonAngles& b, double s) {
    return timed(s, [&](double f) { return pose_skeleton(mix(a, b, static_cast<float>(f))); });
  }
  Motion& nobody(double s) {
    const size_t first = frames_.size();
    timed(s, [](double) { return Pose{}; });
    for (size_t i = first; i < frames_.size(); ++i) frames_[i].person = false;
    return *this;
  }
  // Any body as a function of the fraction f in [0, 1) of the s seconds.
  Motion& timed(double s, const std::function<Pose(double f)>& body) {
    const int n = static_cast<int>(std::lround(s / dt_));
    for (int i = 0; i < n; ++i) {
      frames_.push_back({body(static_cast<double>(i) / n), true, t_});
      t_ += dt_;
    }
    return *this;
  }

  const std::vector<MotionFrame>& frames() const { return frames_; }
  double now() const { return t_; }

 private:
  double dt_;
  double t_ = 0;
  std::vector<MotionFrame> frames_;
};

// Walking on the spot seen from the side: the legs swing and the knees bend in turn.
inline Pose walking(double t_s) {
  const float phase = static_cast<float>(std::sin(2 * std::numbers::pi * t_s));
  SkeletonAngles a;
  a.yaw = 90;
  a.left_thigh = 25 * phase;
  a.right_thigh = -a.left_thigh;
  a.left_shin = a.left_thigh - 45 * std::max(0.0f, -phase);
  a.right_shin = a.right_thigh - 45 * std::max(0.0f, phase);
  a.left_upper_arm = a.left_forearm = -20 * phase;
  a.right_upper_arm = a.right_forearm = 20 * phase;
  return pose_skeleton(a);
}

struct CountResult {
  std::optional<ExerciseState> last;
  std::vector<double> counted_at;  // when total_reps rose
  int partial_reps = 0;
};

inline CountResult count(RepCounter& counter, const Motion& motion) {
  CountResult r;
  int total = 0;
  std::string id;
  for (const auto& f : motion.frames()) {
    r.last = counter.update(f.pose, f.person, f.t_s);
    if (!r.last) continue;
    if (r.last->id != id) id = r.last->id, total = 0;
    for (; total < r.last->total_reps; ++total) r.counted_at.push_back(f.t_s);
    r.partial_reps = r.last->partial_reps;
  }
  return r;
}

}  // namespace posecast::testing

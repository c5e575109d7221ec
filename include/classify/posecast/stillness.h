// Is the body still? A held pose is still; walking into the picture, getting up from a plank or
// moving through a rep is not a pose, even when one frame of it looks like one.
#pragma once

#include <deque>
#include <optional>

#include "posecast/keypoints.h"

namespace posecast {

struct StillnessOptions {
  double window_s = 0.6;       // how far back the body is compared
  float moving_above = 0.30f;  // torso lengths: the body counts as moving above this
  float still_below = 0.18f;   // ... and as still again below this (hysteresis)
  float min_score = 0.3f;      // keypoints below it are not compared
  int min_joints = 4;          // fewer comparable joints: no opinion (counts as still)
  // Walking towards or away from the camera barely moves the joints in the picture but changes
  // the body's size: the median log-ratio of the distances between pairs of body joints (a
  // change of size; one limb moving changes only some pairs) times scale_weight counts as
  // travel in torso lengths.
  float scale_weight = 3.0f;
};

// Motion at time t = the largest, over the frames of the last window_s, of the median distance
// that the body's joints (shoulders to ankles; the face and hands move on their own in a held
// pose) have travelled since that frame, in torso lengths, or its change of size (scale_weight).
// The largest, not the oldest frame's:
// a jumping jack comes back to where it was every 0.6 s or so.
class StillnessDetector {
 public:
  explicit StillnessDetector(StillnessOptions options = {}) : options_(options) {}
  // Feeds the (smoothed) body at t_s seconds, increasing; returns whether it is moving now.
  bool update(const Pose& pose, double t_s);
  void reset();
  bool moving() const { return moving_; }
  float motion() const { return motion_; }  // the last measure, torso lengths
  // Seconds the body has been moving without a break (0 while still).
  double moving_for_s(double t_s) const { return moving_ ? t_s - moving_since_ : 0; }

 private:
  struct Sample {
    double t_s;
    Pose pose;
  };
  StillnessOptions options_;
  std::deque<Sample> window_;
  bool moving_ = false;
  double moving_since_ = 0;
  float motion_ = 0;
};

}  // namespace posecast
